package io.prefectlifecycle.it;

import io.prefectlifecycle.cli.TransformCommand;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testsupport.AppUnderTest;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.TopicTail;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 5 of issue 8, a schema change mid-stream, as Prefect's migrations make them, through the real pipeline
 * (PostgreSQL, Connect with Debezium from connect-config/, the app): columns added while changes flow (nullable, then
 * NOT NULL with a default, then a type change), a column dropped, and finally a column the payload needs dropped.
 * Events keep flowing and stay exact: the payloads are Prefect's fixed field sets, so new columns never appear in
 * them; a dropped column that the payload needs dead-letters its changes with a reason naming the column. The events
 * are the bytes {@code transform} gives the captured CDC records (ids included).
 */
class SchemaChangeIT {
    private static final String V1 = "00000000-0000-4000-c000-000000000001";
    private static final String V2 = "00000000-0000-4000-c000-000000000002";
    private static final String V3 = "00000000-0000-4000-c000-000000000003";
    private static final String V4 = "00000000-0000-4000-c000-000000000004";
    private static final String F1 = "00000000-0000-4000-c000-000000000011";
    private static final String F2 = "00000000-0000-4000-c000-000000000012";
    private static final String F3 = "00000000-0000-4000-c000-000000000013";
    private static final String SENTINEL = "00000000-0000-4000-c000-000000000999";

    @Test
    void columnsAddedChangedAndDroppedMidStreamKeepEventsExact() throws Exception {
        long t0 = System.nanoTime();
        TopologySettings settings = TopologySettings.defaults();
        try (LocalStack stack = LocalStack.start()) {
            stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            stack.registerConnector();
            try (AppUnderTest app = AppUnderTest.start(stack.bootstrapServers(), settings, Map.of());
                    TopicTail events = new TopicTail(stack.bootstrapServers(), settings.eventsTopic());
                    TopicTail deadLetters = new TopicTail(stack.bootstrapServers(), settings.deadLetterTopic());
                    TopicTail cdc = new TopicTail(stack.bootstrapServers(), stack.cdcTopic());
                    Connection db = stack.postgres().connect()) {
                app.awaitRunning(Duration.ofSeconds(90));
                long ready = System.nanoTime();

                // before any change
                insertVariable(db, V1, "before_change", "1");
                insertFlow(db, F1, "flow-before");
                // a nullable column, filled on later rows (Prefect adds columns like this in most releases)
                ddl(db, "ALTER TABLE variable ADD COLUMN note text");
                sql(
                        db,
                        "INSERT INTO variable (id, name, value, tags, note) VALUES (?::uuid, ?, '2'::jsonb, '[]'::jsonb, ?)",
                        V2,
                        "with_note",
                        "a note Prefect's payload does not have");
                sql(
                        db,
                        "UPDATE variable SET value = '3'::jsonb, note = 'later', updated = now() WHERE id = ?::uuid",
                        V1);
                // NOT NULL with a default: PostgreSQL fills the existing rows without rewriting them
                ddl(db, "ALTER TABLE flow ADD COLUMN priority integer NOT NULL DEFAULT 7");
                insertFlow(db, F2, "flow-after-default");
                sql(db, "UPDATE flow SET tags = '[\"retagged\"]'::jsonb, updated = now() WHERE id = ?::uuid", F1);
                // a type change (Prefect has widened columns) and a dropped column
                ddl(db, "ALTER TABLE variable ALTER COLUMN name TYPE text");
                ddl(db, "ALTER TABLE variable DROP COLUMN note");
                insertVariable(db, V3, "after_drop", "4");
                sql(db, "DELETE FROM variable WHERE id = ?::uuid", V2);
                // a column the payload needs is dropped: its changes cannot be Prefect's events (not labels:
                // a flow table without labels is an older Prefect's, whose payload has the model's default {})
                ddl(db, "ALTER TABLE flow DROP COLUMN tags");
                sql(
                        db,
                        "INSERT INTO flow (id, name, labels) VALUES (?::uuid, ?, '{}'::jsonb)",
                        F3,
                        "flow-without-tags");
                insertVariable(db, V4, "still_flowing", "5");
                insertVariable(db, SENTINEL, "schema_change_sentinel", "6");
                long written = System.nanoTime();

                await("the sentinel's event")
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() ->
                                events.all().stream().anyMatch(r -> ("prefect.variable." + SENTINEL).equals(r.key())));
                long sentinelSeen = System.nanoTime();
                await("the dead letter of the flow without tags")
                        .atMost(Duration.ofSeconds(30))
                        .until(() -> !deadLetters.all().isEmpty());

                List<String> got =
                        events.all().stream().map(r -> masked(r.value())).toList();
                assertEquals(
                        List.of(
                                variable("created", V1, "before_change", "1"),
                                flow("created", F1, "flow-before", "[]"),
                                variable("created", V2, "with_note", "2"),
                                variable("updated", V1, "before_change", "3"),
                                flow("created", F2, "flow-after-default", "[]"),
                                flow("updated", F1, "flow-before", "[\"retagged\"]"),
                                variable("created", V3, "after_drop", "4"),
                                variable("deleted", V2, "with_note", "2"),
                                variable("created", V4, "still_flowing", "5"),
                                variable("created", SENTINEL, "schema_change_sentinel", "6")),
                        got,
                        "events in commit order; new columns never in a payload");
                List<String> deadReasons = deadLetters.all().stream()
                        .map(r -> r.topic() + ": " + r.key())
                        .toList();
                assertEquals(1, deadLetters.all().size(), "one dead letter: " + deadReasons);
                assertTrue(deadLetters.all().get(0).value().contains(F3), "the flow inserted without tags");

                // what Debezium wrote: the new column appears in the rows (JsonConverter, schemas off), then goes
                List<Received> variableCdc = cdc.all().stream()
                        .filter(r -> r.value() != null
                                && "variable"
                                        .equals(r.json()
                                                .path("source")
                                                .path("table")
                                                .asText()))
                        .toList();
                assertFalse(after(variableCdc, V1, "c").has("note"), "before ADD COLUMN: no note");
                assertTrue(after(variableCdc, V2, "c").has("note"), "after ADD COLUMN: note in the row");
                assertFalse(after(variableCdc, V3, "c").has("note"), "after DROP COLUMN: no note");
                List<Received> flowCdc = cdc.all().stream()
                        .filter(r -> r.value() != null
                                && "flow"
                                        .equals(r.json()
                                                .path("source")
                                                .path("table")
                                                .asText()))
                        .toList();
                assertEquals(7, after(flowCdc, F2, "c").path("priority").asInt(), "the default is sent");
                assertFalse(after(flowCdc, F3, "c").has("tags"), "after DROP COLUMN tags");
                System.out.println("SchemaChangeIT: the variable row after ADD COLUMN, as Debezium wrote it: "
                        + after(variableCdc, V2, "c"));
                System.out.println(
                        "SchemaChangeIT: the flow row after ADD COLUMN ... DEFAULT 7: " + after(flowCdc, F2, "c"));

                // the same bytes, ids included, as transform over what Debezium wrote
                List<String> lines = new ArrayList<>();
                for (Received r : cdc.all()) {
                    if (!r.topic().contains("prefect_cdc_heartbeat")) {
                        lines.add("{\"topic\":\"" + r.topic() + "\",\"key\":" + r.key() + ",\"value\":" + r.value()
                                + "}");
                    }
                }
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                new TransformCommand()
                        .transform(
                                new ByteArrayInputStream(
                                        String.join("\n", lines).getBytes(StandardCharsets.UTF_8)),
                                out,
                                err,
                                Map.of());
                assertEquals(
                        out.toString(StandardCharsets.UTF_8).lines().toList(),
                        events.all().stream().map(Received::value).toList(),
                        "transform over the captured CDC records");
                String transformDead = err.toString(StandardCharsets.UTF_8).strip();
                System.out.println("SchemaChangeIT: dead letter: " + transformDead);
                assertTrue(
                        transformDead.contains("flow.tags is missing from the change record"),
                        "the reason names the dropped column: " + transformDead);
                System.out.printf(
                        "SchemaChangeIT: stack+app start %.1f s, writes with 5 DDL %.1f s, last write -> "
                                + "sentinel event %.2f s, %d events, %d dead letter%n",
                        (ready - t0) / 1e9,
                        (written - ready) / 1e9,
                        (sentinelSeen - written) / 1e9,
                        got.size(),
                        deadLetters.all().size());
            }
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode after(List<Received> cdc, String id, String op) {
        return cdc.stream()
                .map(Received::json)
                .filter(v -> op.equals(v.path("op").asText())
                        && id.equals(v.path("after").path("id").asText()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no '" + op + "' record of " + id))
                .path("after");
    }

    private static String variable(String action, String id, String name, String value) {
        return "{\"occurred\":\"<T>\",\"event\":\"prefect.variable." + action
                + "\",\"resource\":{\"prefect.resource.id\":"
                + "\"prefect.variable." + id + "\",\"prefect.resource.name\":\"" + name
                + "\"},\"related\":[],\"payload\":"
                + "{\"name\":\"" + name + "\",\"value\":" + value + ",\"tags\":[]},\"id\":\"<ID>\",\"follows\":null}";
    }

    private static String flow(String action, String id, String name, String tags) {
        return "{\"occurred\":\"<T>\",\"event\":\"prefect.flow." + action + "\",\"resource\":{\"prefect.resource.id\":"
                + "\"prefect.flow." + id + "\",\"prefect.resource.name\":\"" + name + "\"},\"related\":[],\"payload\":"
                + "{\"name\":\"" + name + "\",\"tags\":" + tags + ",\"labels\":{}},\"id\":\"<ID>\",\"follows\":null}";
    }

    private static String masked(String event) {
        return event.replaceFirst("^\\{\"occurred\":\"[^\"]*\",", "{\"occurred\":\"<T>\",")
                .replaceFirst(",\"id\":\"[^\"]*\",\"follows\":null}$", ",\"id\":\"<ID>\",\"follows\":null}");
    }

    private static void insertVariable(Connection db, String id, String name, String valueJson) throws SQLException {
        sql(
                db,
                "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, ?, ?::jsonb, '[]'::jsonb)",
                id,
                name,
                valueJson);
    }

    private static void insertFlow(Connection db, String id, String name) throws SQLException {
        sql(db, "INSERT INTO flow (id, name, tags, labels) VALUES (?::uuid, ?, '[]'::jsonb, '{}'::jsonb)", id, name);
    }

    private static void ddl(Connection db, String statement) throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute(statement);
        }
    }

    private static void sql(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }
}
