package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * One lifecycle event, from Prefect's {@code events} table or from the events topic, with what {@code parity}
 * compares: the name, the resource (its labels), the related resources (in order) and the payload.
 *
 * @param where where it was read: {@code events id=<uuid>} or {@code <topic>-<partition>@<offset>}
 */
public record ComparedEvent(
        String id,
        Instant occurred,
        String event,
        String resourceId,
        JsonNode resource,
        JsonNode related,
        JsonNode payload,
        String where) {

    /** {@code prefect.variable.created} → {@code variable}. */
    public String kind() {
        int first = event.indexOf('.');
        int last = event.lastIndexOf('.');
        return first < last ? event.substring(first + 1, last) : "";
    }

    /** {@code created}, {@code updated} or {@code deleted}. */
    public String action() {
        return event.substring(event.lastIndexOf('.') + 1);
    }

    /** The object's id: the resource id after {@code prefect.<kind>.}. */
    public String objectId() {
        String prefix = "prefect." + kind() + ".";
        return resourceId.startsWith(prefix) ? resourceId.substring(prefix.length()) : resourceId;
    }

    /**
     * An event as this app writes it, read back.
     *
     * @throws IllegalArgumentException when the bytes are not an event
     */
    public static ComparedEvent fromJson(byte[] json, String where) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON");
        }
        if (!(root instanceof ObjectNode event)
                || !event.path("event").isTextual()
                || !event.path("occurred").isTextual()
                || !event.path("resource").path("prefect.resource.id").isTextual()) {
            throw new IllegalArgumentException("not a Prefect event");
        }
        Instant occurred;
        try {
            occurred = Instant.parse(event.get("occurred").textValue());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("occurred is not an ISO-8601 time");
        }
        return new ComparedEvent(
                event.path("id").asText(),
                occurred,
                event.get("event").textValue(),
                event.get("resource").get("prefect.resource.id").textValue(),
                event.get("resource"),
                event.path("related"),
                event.path("payload"),
                where);
    }
}
