package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.prefectlifecycle.cli.ParityCommand;
import io.prefectlifecycle.local.LocalPostgres;
import io.prefectlifecycle.testsupport.GoldenEventsTopic;
import io.prefectlifecycle.testsupport.KafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code parity} against a real PostgreSQL holding Prefect's tables and event storage (schemas/prefect-postgres.sql,
 * schemas/prefect-events.sql), filled as Prefect's event persister writes it ({@link PrefectEventStore}), and a real
 * broker whose events topic holds the app's events of the real Debezium capture and two deployment captures. Prefect's
 * rows are those events as Prefect emits them (its own ids, {@code occurred} a few milliseconds before this app's
 * commit time), then changed: differences the contract lists, and differences it does not.
 */
class ParityIT {

    private static final String TOPIC = "parity-it.lifecycle-events";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalPostgres postgres;

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    private static List<String> events;

    @BeforeAll
    static void start() throws Exception {
        events = new ArrayList<>(GoldenEventsTopic.captured());
        events.addAll(GoldenEventsTopic.ofGoldenCases(
                "deployment/pause-endpoints-emit-updated", "deployment/updated-fields-in-canonical-order"));
        postgres = LocalPostgres.start();
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "parity-it");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            events.forEach(e -> producer.send(GoldenEventsTopic.record(TOPIC, e)));
            producer.commitTransaction();
        }
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void everyEventMatchesWhenPrefectEmittedTheSame() throws Exception {
        DatabaseCoordinates db = database("parity_same");
        try (Connection c = postgres.connect(db.dbname())) {
            PrefectEventStore store = new PrefectEventStore(c);
            for (int i = 0; i < events.size(); i++) {
                store.persist(events.get(i), prefectOccurred(events.get(i), i));
            }
            assertEquals(50, store.count());
        }
        Result result = parity(db, "--output", "table");
        assertEquals(0, result.status(), result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(
                "parity 2026-11-26T00:00:00Z .. 2026-12-06T23:59:59Z (window 5.0 s): 50 events in Prefect, 50 "
                        + "here",
                lines.get(0));
        assertEquals(
                List.of(
                        "  matched              50",
                        "  only in Prefect       0   (0 known)",
                        "  only here             0   (0 known)",
                        "  different             0   (0 known)",
                        "  unexplained           0"),
                lines.subList(1, 6));
        assertEquals(6, lines.size());

        DatabaseCoordinates noEvents =
                postgres.createDatabase("parity_no_events", List.of("schemas/prefect-postgres.sql"));
        Result missing = parity(noEvents);
        assertEquals(2, missing.status());
        assertEquals(
                "parity: postgresql://prefect@" + noEvents.host() + ":" + noEvents.port() + "/parity_no_events "
                        + "has no events table: Prefect keeps its events there since 2.17.0 (is --database-url Prefect's "
                        + "database?)",
                missing.err().strip());
    }

    /** Only differences the contract lists: each named by its item, exit status 0. */
    @Test
    void knownDifferencesAreNamedAndDoNotFail() throws Exception {
        DatabaseCoordinates db = database("parity_known");
        try (Connection c = postgres.connect(db.dbname())) {
            persistWithKnownDifferences(new PrefectEventStore(c));
        }
        Result result = parity(db, "--output", "table");
        System.out.print("ParityIT, known differences only:\n" + result.out());
        assertEquals(0, result.status(), result.out() + result.err());
        List<String> lines = result.out().lines().toList();
        assertEquals(
                List.of(
                        "  matched              48",
                        "  only in Prefect       2   (2 known)",
                        "  only here             1   (1 known)",
                        "  different             1   (1 known)",
                        "  unexplained           0"),
                lines.subList(1, 6),
                result.out());
        List<String> cases = lines.subList(7, lines.size()).stream()
                .filter(l -> !l.startsWith("    "))
                .toList();
        assertEquals(4, cases.size(), result.out());
        assertTrue(
                cases.get(0)
                        .startsWith("only in Prefect  2026-11-26T19:02:50.752Z prefect.variable.created "
                                + "prefect.variable.00000000-0000-4000-8000-0000000009aa  known: Rolled-back changes."),
                cases.get(0));
        assertTrue(
                cases.get(1)
                        .endsWith(
                                "prefect.block-document.updated "
                                        + "prefect.block-document.7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d  known: Writes that change nothing."),
                cases.get(1));
        assertTrue(
                cases.get(2).startsWith("different ") && cases.get(2).endsWith("  known: Deployment field order."),
                cases.get(2));
        assertTrue(
                cases.get(3).startsWith("only here ") && cases.get(3).endsWith("  known: Pause and resume endpoints."),
                cases.get(3));
        assertTrue(
                result.out().contains("    payload.updated_fields[0]: Prefect \"version\", here \"parameters\"\n"),
                result.out());
    }

    /** Unexplained differences beside the known ones: exit status 1, and the JSON report says what and where. */
    @Test
    void unexplainedDifferencesFailAndTheJsonReportHasEachDiff() throws Exception {
        DatabaseCoordinates db = database("parity_unexplained");
        String changedUpdate = first("prefect.variable.updated");
        String flowCreated = first("prefect.flow.created");
        String existing = "00000000-0000-4000-8000-0000000009bb";
        try (Connection c = postgres.connect(db.dbname())) {
            try (PreparedStatement variable = c.prepareStatement(
                    "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, 'still-here', '1', '[]')")) {
                variable.setString(1, existing);
                variable.executeUpdate();
            }
            PrefectEventStore store = new PrefectEventStore(c);
            persistWithKnownDifferences(store, changedUpdate, flowCreated);
            ObjectNode changed = (ObjectNode) JSON.readTree(changedUpdate);
            ((ObjectNode) changed.get("payload")).put("value", "changed-by-prefect");
            store.persist(JSON.writeValueAsString(changed), prefectOccurred(changedUpdate, 1));
            store.persist(variableCreated(existing, "still-here"), Instant.parse("2026-11-26T19:02:50.753Z"));
        }
        Result result = parity(db, "--output", "json");
        assertEquals(1, result.status(), result.out() + result.err());
        JsonNode report = JSON.readTree(result.out());
        assertEquals(46, report.get("matched").asInt());
        assertEquals(3, report.get("only_in_prefect").asInt());
        assertEquals(2, report.get("only_here").asInt());
        assertEquals(2, report.get("different").asInt());
        assertEquals(3, report.get("unexplained").asInt());
        assertEquals(50, report.get("our_events").asInt());
        assertEquals(51, report.get("prefect_events").asInt());

        List<JsonNode> differences = StreamSupport.stream(
                        report.get("differences").spliterator(), false)
                .toList();
        JsonNode value = differences.stream()
                .filter(d -> d.get("kind").asText().equals("different")
                        && d.get("event").asText().equals("prefect.variable.updated"))
                .findFirst()
                .orElseThrow();
        assertEquals(1, value.get("diff").size());
        assertEquals("payload.value", value.get("diff").get(0).get("path").asText());
        assertEquals(
                "changed-by-prefect", value.get("diff").get(0).get("prefect").asText());
        assertEquals(
                JSON.readTree(changedUpdate).at("/payload/value"),
                value.get("diff").get(0).get("ours"));
        assertTrue(value.get("known").isNull());
        assertEquals(
                GoldenEventsTopic.id(changedUpdate), value.get("ours").get("id").asText());
        assertTrue(value.get("ours").get("where").asText().startsWith(TOPIC + "-"));
        assertTrue(value.get("prefect").get("where").asText().startsWith("events id="));

        JsonNode flow = differences.stream()
                .filter(d -> d.get("event").asText().equals("prefect.flow.created")
                        && d.get("kind").asText().equals("only_here"))
                .findFirst()
                .orElseThrow();
        assertTrue(flow.get("known").isNull());
        assertTrue(flow.get("prefect").isNull());
        JsonNode stillThere = differences.stream()
                .filter(d -> d.get("resource_id").asText().equals("prefect.variable." + existing))
                .findFirst()
                .orElseThrow();
        assertEquals("only_in_prefect", stillThere.get("kind").asText());
        assertTrue(stillThere.get("known").isNull(), "its row is there: not a rolled-back create");

        JsonNode rolledBack = differences.stream()
                .filter(d ->
                        d.get("resource_id").asText().equals("prefect.variable.00000000-0000-4000-8000-0000000009aa"))
                .findFirst()
                .orElseThrow();
        assertEquals("Rolled-back changes.", rolledBack.get("known").asText());
        assertTrue(
                rolledBack
                        .get("reason")
                        .asText()
                        .startsWith("Prefect emits before commit, so a rolled-back create "
                                + "still emits there. Here only committed changes emit."),
                rolledBack.get("reason").asText());
    }

    // --- Prefect's side ---------------------------------------------------------------------------------------

    /**
     * Prefect's rows for every event, but: the first pause endpoint's update is missing (Prefect does not announce
     * it), a two-field deployment update lists its fields in another order, a block document is updated with no
     * change, and a variable is created in a transaction that was rolled back. {@code leftOut}: events Prefect does not
     * have at all (unexplained).
     */
    private static void persistWithKnownDifferences(PrefectEventStore store, String... leftOut) throws Exception {
        String paused = events.stream()
                .filter(e -> e.contains("\"updated_fields\":[\"paused\"]"))
                .findFirst()
                .orElseThrow();
        String twoFields = events.stream()
                .filter(e -> e.contains("\"updated_fields\":[\"parameters\",\"version\"]"))
                .findFirst()
                .orElseThrow();
        List<String> skipped = List.of(leftOut);
        for (int i = 0; i < events.size(); i++) {
            String event = events.get(i);
            if (event.equals(paused) || skipped.contains(event)) {
                continue;
            }
            if (event.equals(twoFields)) {
                ObjectNode reordered = (ObjectNode) JSON.readTree(event);
                ArrayNode fields = ((ObjectNode) reordered.get("payload")).putArray("updated_fields");
                fields.add("version").add("parameters");
                event = JSON.writeValueAsString(reordered);
            }
            store.persist(event, prefectOccurred(events.get(i), i));
        }
        String documentCreated = events.stream()
                .filter(e -> e.contains("\"event\":\"prefect.block-document.created\"")
                        && e.contains("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"))
                .findFirst()
                .orElseThrow();
        store.persist(
                documentCreated.replace(
                        "\"event\":\"prefect.block-document.created\"", "\"event\":\"prefect.block-document.updated\""),
                occurred(documentCreated).plusMillis(3));
        store.persist(
                variableCreated("00000000-0000-4000-8000-0000000009aa", "never-committed"),
                Instant.parse("2026-11-26T19:02:50.752Z"));
    }

    private static String variableCreated(String id, String name) {
        return "{\"occurred\":\"2026-11-26T19:02:50.752Z\",\"event\":\"prefect.variable.created\",\"resource\":"
                + "{\"prefect.resource.id\":\"prefect.variable." + id + "\",\"prefect.resource.name\":\"" + name
                + "\"},\"related\":[],\"payload\":{\"name\":\"" + name + "\",\"value\":1,\"tags\":[]},"
                + "\"id\":\"" + PrefectEventStore.uuid7(Instant.now()) + "\",\"follows\":null}";
    }

    /** Prefect takes {@code occurred} before its transaction commits: 1 to 30 ms before this app's commit time. */
    private static Instant prefectOccurred(String event, int i) {
        return occurred(event).minusMillis(1 + i % 30);
    }

    private static Instant occurred(String event) {
        return Instant.parse(GoldenEventsTopic.field(event, "occurred"));
    }

    private static String first(String name) {
        return events.stream()
                .filter(e -> e.contains("\"event\":\"" + name + "\""))
                .findFirst()
                .orElseThrow();
    }

    // --- running parity -----------------------------------------------------------------------------------------

    private record Result(int status, String out, String err) {}

    private static DatabaseCoordinates database(String name) throws Exception {
        return postgres.createDatabase(name, List.of("schemas/prefect-postgres.sql", "schemas/prefect-events.sql"));
    }

    private static Result parity(DatabaseCoordinates db, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                TOPIC,
                "--database-url",
                "postgresql://" + db.user() + "@" + db.host() + ":" + db.port() + "/" + db.dbname(),
                "--since",
                "2026-11-26T00:00:00Z",
                "--until",
                "2026-12-06T23:59:59Z",
                "--window",
                "PT5S"));
        args.addAll(List.of(more));
        ParityCommand command = new ParityCommand();
        new CommandLine(command)
                .registerConverter(Duration.class, Duration::parse)
                .parseArgs(args.toArray(String[]::new));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = command.execute(
                Map.of("PGPASSWORD", db.password()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
