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

    public String toJson() {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"occurred\":");
        PrefectJsonWriter.writeString(PrefectTimestamps.format(occurred), out);
        out.append(",\"event\":");
        PrefectJsonWriter.writeString(event, out);
        out.append(",\"resource\":{\"prefect.resource.id\":");
        PrefectJsonWriter.writeString(resource.id(), out);
        if (resource.name() != null) {
            out.append(",\"prefect.resource.name\":");
            PrefectJsonWriter.writeString(resource.name(), out);
        }
        out.append("},\"related\":[");
        for (int i = 0; i < related.size(); i++) {
            RelatedResource r = related.get(i);
            out.append(i == 0 ? "{" : ",{").append("\"prefect.resource.id\":");
            PrefectJsonWriter.writeString(r.id(), out);
            out.append(",\"prefect.resource.role\":");
            PrefectJsonWriter.writeString(r.role(), out);
            if (r.name() != null) {
                out.append(",\"prefect.resource.name\":");
                PrefectJsonWriter.writeString(r.name(), out);
            }
            out.append('}');
        }
        out.append("],\"payload\":");
        PrefectJsonWriter.write(payload, out);
        out.append(",\"id\":\"").append(id).append("\",\"follows\":null}");
        return out.toString();
    }

    public byte[] toJsonBytes() {
        return toJson().getBytes(StandardCharsets.UTF_8);
    }
}
