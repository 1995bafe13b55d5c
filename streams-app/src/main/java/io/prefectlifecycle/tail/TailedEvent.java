package io.prefectlifecycle.tail;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an event JSON that filters, de-duplication and the text form look at. {@code occurredText} is the
 * stored string, printed as is; {@code resource} and each of {@code related} are label maps
 * ({@code prefect.resource.id}, {@code prefect.resource.name}, {@code prefect.resource.role}, …).
 */
public record TailedEvent(
        String id,
        String occurredText,
        Instant occurred,
        String event,
        Map<String, String> resource,
        List<Map<String, String>> related) {

    static final String ID = "prefect.resource.id";
    static final String NAME = "prefect.resource.name";
    static final String ROLE = "prefect.resource.role";

    public String resourceId() {
        return resource.get(ID);
    }

    /** @throws IllegalArgumentException when the bytes are not an event (a reason, never the content) */
    public static TailedEvent parse(byte[] json) {
        JsonNode root;
        try {
            root = json == null ? null : Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        String occurredText = text(root, "occurred");
        Instant occurred;
        try {
            occurred = Instant.parse(occurredText);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("occurred is not an ISO-8601 time");
        }
        Map<String, String> resource = labels(root.get("resource"), "resource");
        if (!resource.containsKey(ID)) {
            throw new IllegalArgumentException("resource has no " + ID);
        }
        List<Map<String, String>> related = new ArrayList<>();
        JsonNode relatedNode = root.get("related");
        if (relatedNode != null && !relatedNode.isNull()) {
            if (!relatedNode.isArray()) {
                throw new IllegalArgumentException("related is not an array");
            }
            relatedNode.forEach(r -> related.add(labels(r, "related")));
        }
        return new TailedEvent(
                text(root, "id"), occurredText, occurred, text(root, "event"), resource, List.copyOf(related));
    }

    /** {@code <occurred> <event> <resource id>[ <resource name>]}. */
    public String textLine() {
        String name = resource.get(NAME);
        return occurredText + " " + event + " " + resourceId() + (name == null ? "" : " " + name);
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException(field + " is missing or not a string");
        }
        return node.textValue();
    }

    private static Map<String, String> labels(JsonNode node, String what) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(what + " is not an object");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (e.getValue().isTextual()) {
                labels.put(e.getKey(), e.getValue().textValue());
            }
        });
        return labels;
    }
}
