package io.prefectlifecycle.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A Prefect lifecycle event, written exactly as Prefect's {@code Event.model_dump_json()} writes it on its
 * message bus, minus {@code received} (a Prefect server stamps that when it receives an event):
 * <pre>{"occurred":…,"event":…,"resource":{…},"related":[…],"payload":{…},"id":…,"follows":null}</pre>
 * Compact, raw UTF-8, keys in model order, times as {@code 2026-06-05T13:01:54.123456Z}, floats as pydantic-core
 * prints them. Lifecycle events never follow another event, so {@code follows} is always {@code null}.
 */
public record LifecycleEvent(
        Instant occurred, String event, Resource resource, List<RelatedResource> related, JsonNode payload, UUID id) {

    /** This event with one more resource label, last (Prefect accepts any string label, up to 500 per resource). */
    public LifecycleEvent withResourceLabel(String key, String value) {
        return new LifecycleEvent(occurred, event, resource.with(key, value), related, payload, id);
    }

    public String toJson() {
        StringBuilder out = new StringBuilder(1024); // an event is 0.5 to 2 KB: few or no copies
        out.append("{\"occurred\":");
        PrefectJsonWriter.writeString(PrefectTimestamps.format(occurred), out);
        out.append(",\"event\":");
        PrefectJsonWriter.writeString(event, out);
        out.append(",\"resource\":");
        writeLabels(resource.labels(), out);
        out.append(",\"related\":[");
        for (int i = 0; i < related.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            writeLabels(related.get(i).labels(), out);
        }
        out.append("],\"payload\":");
        PrefectJsonWriter.write(payload, out);
        out.append(",\"id\":\"").append(id).append("\",\"follows\":null}");
        return out.toString();
    }

    private static void writeLabels(List<Label> labels, StringBuilder out) {
        out.append('{');
        for (int i = 0; i < labels.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            PrefectJsonWriter.writeString(labels.get(i).key(), out);
            out.append(':');
            PrefectJsonWriter.writeString(labels.get(i).value(), out);
        }
        out.append('}');
    }

    public byte[] toJsonBytes() {
        return toJson().getBytes(StandardCharsets.UTF_8);
    }
}
