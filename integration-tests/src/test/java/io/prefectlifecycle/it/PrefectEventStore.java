package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Writes events into Prefect's {@code events} and {@code event_resources} tables (schemas/prefect-events.sql) as
 * Prefect's event persister does ({@code server/events/storage/database.py}, {@code ReceivedEvent.as_database_row} and
 * {@code as_database_resource_rows}): the event's fields as its model dumps them into the JSONB columns,
 * {@code resource_id} and {@code related_resource_ids} taken from them, {@code recorded} the time of the insert,
 * {@code INSERT … ON CONFLICT DO NOTHING} by id, then, only for an event actually inserted, one
 * {@code event_resources} row for the resource (role {@code ''}) and one per related resource, each label map
 * without {@code prefect.resource.id} and {@code prefect.resource.role}.
 */
final class PrefectEventStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;

    PrefectEventStore(Connection connection) {
        this.connection = connection;
    }

    /**
     * Persists the event as Prefect received it: Prefect's own id and its {@code occurred} (taken before its
     * transaction commits, so a little before this app's commit time), {@code received} a little after.
     *
     * @param eventJson an event as this app writes it (its name, resource, related and payload are Prefect's)
     * @return Prefect's id of the event
     */
    UUID persist(String eventJson, Instant occurred) throws Exception {
        JsonNode event = JSON.readTree(eventJson);
        UUID id = uuid7(occurred);
        Instant received = occurred.plusMillis(7);
        ArrayNode related = (ArrayNode) event.path("related");
        ArrayNode relatedIds = JSON.createArrayNode();
        related.forEach(r -> relatedIds.add(r.path("prefect.resource.id").asText()));
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO events (occurred, event, "
                + "resource_id, resource, related_resource_ids, related, payload, received, recorded, follows, id) "
                + "VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?::uuid, ?::uuid) "
                + "ON CONFLICT DO NOTHING RETURNING id")) {
            insert.setObject(1, utc(occurred));
            insert.setString(2, event.path("event").asText());
            insert.setString(
                    3, event.path("resource").path("prefect.resource.id").asText());
            insert.setString(4, JSON.writeValueAsString(event.path("resource")));
            insert.setString(5, JSON.writeValueAsString(relatedIds));
            insert.setString(6, JSON.writeValueAsString(related));
            insert.setString(7, JSON.writeValueAsString(event.path("payload")));
            insert.setObject(8, utc(received));
            insert.setObject(9, utc(received.plusMillis(3)));
            insert.setString(
                    10,
                    event.path("follows").isNull()
                            ? null
                            : event.path("follows").asText());
            insert.setString(11, id.toString());
            try (ResultSet inserted = insert.executeQuery()) {
                if (!inserted.next()) {
                    return id;
                }
            }
        }
        resourceRow(occurred, event.path("resource"), "", id);
        for (JsonNode r : related) {
            resourceRow(occurred, r, r.path("prefect.resource.role").asText(), id);
        }
        return id;
    }

    private void resourceRow(Instant occurred, JsonNode resource, String role, UUID eventId) throws Exception {
        ObjectNode labels = resource.deepCopy();
        labels.remove("prefect.resource.id");
        labels.remove("prefect.resource.role");
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO event_resources (occurred, "
                + "resource_id, resource_role, resource, event_id) VALUES (?, ?, ?, ?::json, ?::uuid)")) {
            insert.setObject(1, utc(occurred));
            insert.setString(2, resource.path("prefect.resource.id").asText());
            insert.setString(3, role);
            insert.setString(4, JSON.writeValueAsString(labels));
            insert.setString(5, eventId.toString());
            insert.executeUpdate();
        }
    }

    int count() throws SQLException {
        try (var s = connection.createStatement();
                var rows = s.executeQuery("SELECT count(*) FROM events")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** A UUIDv7 as Prefect's {@code uuid7()} makes them: the time in milliseconds, then random bits. */
    static UUID uuid7(Instant at) {
        UUID random = UUID.randomUUID();
        long high = (at.toEpochMilli() << 16) | 0x7000L | (random.getMostSignificantBits() & 0x0FFFL);
        return new UUID(high, random.getLeastSignificantBits());
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
