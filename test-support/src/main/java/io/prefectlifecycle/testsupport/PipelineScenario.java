package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.golden.PrefectOracle;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testsupport.CommittedRecords.Header;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.topology.TopologySettings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The end-to-end scenario {@link PipelineIT} (in-JVM stack) and {@link PipelineContainersIT} (containers) share:
 * Prefect's writes for every kind and action ({@link PrefectScenario}'s statements, then {@link #extras} and a
 * sentinel) go through Debezium and the app; the events a {@code read_committed} consumer reads must be exactly the
 * lines of {@value #EXPECTED_EVENTS} (next to this class in the test resources), in order, byte for byte with only
 * {@code occurred} and {@code id} masked, and nothing may reach the dead-letter topic.
 */
public final class PipelineScenario {
    public static final String EXPECTED_EVENTS = "pipeline-scenario.events.txt";
    public static final String SENTINEL = PrefectScenario.id(999);
    public static final String SENTINEL_RESOURCE = "prefect.variable." + SENTINEL;

    /** The stand-ins for {@code PrefectScenario.randomText} values in {@value #EXPECTED_EVENTS}. */
    private static final Map<String, String> BIG_TEXTS = Map.of(
            "<BIG_VARIABLE_VALUE>", PrefectScenario.randomText(9000, 1),
            "<BIG_DOCUMENT_BLOB>", PrefectScenario.randomText(10000, 2));

    private static final Pattern OCCURRED = Pattern.compile("^\\{\"occurred\":\"[^\"]*\",");
    private static final Pattern EVENT_ID = Pattern.compile(",\"id\":\"[^\"]*\",\"follows\":null}$");
    /** pydantic's datetime: microseconds, left out when zero, and Z. */
    private static final Pattern PYDANTIC_UTC =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{6})?Z");

    private static final String INSERT_VARIABLE = "INSERT INTO variable (name, value, tags, id, created, updated) "
            + "VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConnectorDefinition CONNECTOR = ConnectorDefinition.load();

    /** Where the scenario runs: a Kafka cluster, Prefect's PostgreSQL and a Connect worker with Debezium. */
    public interface Stack {
        String bootstrapServers();

        /** A connection to Prefect's database, autocommit on. */
        public Connection connect() throws SQLException;

        /** Registers connect-config/prefect-connector.json and returns once the connector and its task run. */
        public void registerConnector() throws Exception;

        public void createTopics(List<String> topics) throws Exception;

        /** How far the database's clock may be from this JVM's (a VM-hosted Docker engine drifts). */
        Duration clockSkew();

        /** The in-JVM stack (one host, one clock) with connect-config/prefect-connector.json. */
        static Stack inJvm(LocalStack stack) {
            return inJvm(stack, null);
        }

        /** The in-JVM stack with {@code connector} instead (null: connect-config/prefect-connector.json). */
        static Stack inJvm(LocalStack stack, ConnectorDefinition connector) {
            return new Stack() {
                @Override
                public String bootstrapServers() {
                    return stack.bootstrapServers();
                }

                @Override
                public Connection connect() throws SQLException {
                    return stack.postgres().connect();
                }

                @Override
                public void registerConnector() throws Exception {
                    if (connector == null) {
                        stack.registerConnector();
                    } else {
                        stack.connect()
                                .registerConnector(connector, stack.postgres().coordinates(), Duration.ofSeconds(60));
                    }
                }

                @Override
                public void createTopics(List<String> topics) throws Exception {
                    stack.kafka().createTopics(topics);
                }

                @Override
                public Duration clockSkew() {
                    return Duration.ZERO; // one host, one clock
                }
            };
        }
    }

    private PipelineScenario() {}

    /**
     * Seeds two rows, starts the app, registers the connector, runs the writes and checks what comes out.
     * Order: the app first, so it is up while Debezium snapshots; the seeded rows arrive as snapshot reads.
     */
    public static void run(String test, Stack stack, PhaseTimings timings) throws Exception {
        run(test, stack, timings, TopologySettings.defaults(), value -> new String(value, StandardCharsets.UTF_8));
    }

    /**
     * The scenario with the app on {@code settings} (e.g. Avro events), its events read as JSON by {@code eventJson}:
     * the same events must come out.
     */
    public static void run(
            String test,
            Stack stack,
            PhaseTimings timings,
            TopologySettings settings,
            Function<byte[], String> eventJson)
            throws Exception {
        try (Connection db = stack.connect()) {
            PrefectScenario prefect = new PrefectScenario(db);
            prefect.seedBeforeCapture();
            // the app subscribes by pattern: topics made after it starts would wait for a metadata refresh
            stack.createTopics(List.of(CONNECTOR.cdcTopic(), settings.eventsTopic(), settings.deadLetterTopic()));
            try (AppUnderTest app = AppUnderTest.start(stack.bootstrapServers(), settings, Map.of());
                    CommittedRecords events = new CommittedRecords(
                            stack.bootstrapServers(), settings.eventsTopic(), Map.of(), eventJson);
                    CommittedRecords deadLetters =
                            new CommittedRecords(stack.bootstrapServers(), settings.deadLetterTopic())) {
                timings.lap("seed rows, create topics, start app");
                stack.registerConnector();
                timings.lap("connector RUNNING");
                app.awaitRunning(Duration.ofSeconds(60));
                timings.lap("app RUNNING");

                Instant from = Instant.now();
                writes(prefect, db);
                timings.lap("Prefect's writes (SQL)");
                await("the sentinel's event")
                        .atMost(Duration.ofSeconds(90))
                        .pollInSameThread()
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            events.poll(Duration.ofMillis(100));
                            return events.all().stream().anyMatch(r -> SENTINEL_RESOURCE.equals(r.key()));
                        });
                Instant to = Instant.now();
                timings.lap("events up to the sentinel's read");

                List<Received> received = events.all();
                List<String> deadLetterReasons = deadLetters.readToEnd(Duration.ofSeconds(30)).stream()
                        .map(d -> d.header("dlq.source.topic") + "@" + d.header("dlq.source.offset") + ": "
                                + d.header("dlq.reason"))
                        .toList();
                assertExactEvents(test, received, deadLetterReasons);
                assertEnvelopes(received, from.minus(stack.clockSkew()), to.plus(stack.clockSkew()));
                assertEquals(List.of(), deadLetterReasons, "dead letters on " + settings.deadLetterTopic());
                timings.lap("assertions");
                checkWithOracle(test, received.stream().map(Received::value).toList());
                timings.lap("prefect-event-oracle");
            }
        }
    }

    /** Everything after the snapshot, in commit order. */
    public static void writes(PrefectScenario prefect, Connection db) throws SQLException {
        prefect.firstEightKinds();
        prefect.objects();
        extras(db);
        sql(
                db,
                INSERT_VARIABLE,
                "pipeline_it_sentinel",
                "\"end of scenario\"",
                "[\"sentinel\"]",
                SENTINEL,
                "2026-06-05T13:05:00Z",
                "2026-06-05T13:05:00Z");
    }

    /** What PrefectScenario leaves out: a JSONB {@code null} value, and a transaction rolled back (no event). */
    public static void extras(Connection db) throws SQLException {
        sql(
                db,
                INSERT_VARIABLE,
                "json_null",
                "null",
                "[]",
                PrefectScenario.id(901),
                "2026-06-05T13:04:00Z",
                "2026-06-05T13:04:00Z");
        db.setAutoCommit(false);
        try {
            sql(
                    db,
                    INSERT_VARIABLE,
                    "rolled_back",
                    "\"never committed\"",
                    "[]",
                    PrefectScenario.id(902),
                    "2026-06-05T13:04:30Z",
                    "2026-06-05T13:04:30Z");
        } finally {
            db.rollback();
            db.setAutoCommit(true);
        }
    }

    /** The event lines of {@value #EXPECTED_EVENTS}: comments and blank lines dropped. */
    public static List<String> expectedEvents() {
        try (InputStream in = PipelineScenario.class.getResourceAsStream(EXPECTED_EVENTS)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + EXPECTED_EVENTS);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The event as it is written in {@value #EXPECTED_EVENTS}: {@code occurred} and {@code id} masked, big texts named. */
    public static String masked(String event) {
        String line = OCCURRED.matcher(event).replaceFirst("{\"occurred\":\"<T>\",");
        line = EVENT_ID.matcher(line).replaceFirst(",\"id\":\"<ID>\",\"follows\":null}");
        for (Map.Entry<String, String> big : BIG_TEXTS.entrySet()) {
            line = line.replace("\"" + big.getValue() + "\"", "\"" + big.getKey() + "\"");
        }
        return line;
    }

    private static void assertExactEvents(String test, List<Received> received, List<String> deadLetters)
            throws IOException {
        List<String> expected = expectedEvents();
        List<String> actual = received.stream().map(r -> masked(r.value())).toList();
        if (!expected.equals(actual)) {
            Path dump = Path.of("target", "it-events", test + ".actual.txt").toAbsolutePath();
            Files.createDirectories(dump.getParent());
            Files.write(dump, actual, StandardCharsets.UTF_8);
            fail("events on the topic differ from " + EXPECTED_EVENTS + " (received, masked, in " + dump + "):\n"
                    + difference(expected, actual)
                    + (deadLetters.isEmpty() ? "" : "dead letters:\n  " + String.join("\n  ", deadLetters) + "\n"));
        }
    }

    /**
     * What the masks hide, and the record around the event: {@code occurred} in pydantic's format and within the
     * test's window; {@code id} a UUIDv7 whose time is {@code occurred}'s millisecond, all distinct; key and headers.
     */
    private static void assertEnvelopes(List<Received> received, Instant from, Instant to) throws IOException {
        Set<String> ids = new HashSet<>();
        for (Received r : received) {
            JsonNode event = JSON.readTree(r.value());
            String occurredText = event.path("occurred").asText();
            assertTrue(PYDANTIC_UTC.matcher(occurredText).matches(), "occurred format: " + occurredText);
            Instant occurred = Instant.parse(occurredText);
            assertTrue(
                    !occurred.isBefore(from) && !occurred.isAfter(to),
                    "occurred " + occurred + " outside the test's window [" + from + ", " + to + "]: "
                            + masked(r.value()));
            String idText = event.path("id").asText();
            UUID id = UUID.fromString(idText);
            assertEquals(idText, id.toString(), "id in canonical lower-case form");
            assertEquals(7, id.version(), "UUID version of " + idText);
            assertEquals(2, id.variant(), "UUID variant (RFC 9562) of " + idText);
            assertEquals(
                    occurred.toEpochMilli(),
                    id.getMostSignificantBits() >>> 16,
                    "the UUIDv7 time of " + idText + " is occurred's millisecond " + occurredText);
            assertTrue(ids.add(idText), "duplicate id " + idText);
            String resourceId =
                    event.path("resource").path("prefect.resource.id").asText();
            assertEquals(resourceId, r.key(), "record key = resource id");
            assertEquals(
                    List.of(
                            new Header("prefect.event", event.path("event").asText()),
                            new Header("prefect.resource.id", resourceId),
                            new Header(TopologySettings.SOURCE_HEADER, TopologySettings.DEFAULT_SOURCE)),
                    r.headers(),
                    "headers of " + resourceId + " (the one source of an app without --sources)");
        }
    }

    /** Pydantic's re-serialization with Prefect's models; skipped, saying so, where python3 or pydantic are missing. */
    public static void checkWithOracle(String test, List<String> events) {
        Optional<String> unavailable = oracleUnavailable();
        if (unavailable.isPresent()) {
            System.out.println(test + ": SKIPPED the prefect-event-oracle check of " + events.size() + " events: "
                    + unavailable.get());
            return;
        }
        PrefectOracle.Verdict verdict = PrefectOracle.check(events);
        assertEquals(0, verdict.exitCode(), () -> "prefect-event-oracle rejects events:\n" + verdict.output());
        System.out.println(test + ": prefect-event-oracle: " + verdict.output().strip());
    }

    private static Optional<String> oracleUnavailable() {
        if (!Files.isExecutable(PrefectOracle.location())) {
            return Optional.of("no oracle at " + PrefectOracle.location());
        }
        PrefectOracle.Verdict probe = PrefectOracle.check(List.of());
        if (probe.exitCode() == 2 || probe.exitCode() == 127) {
            return Optional.of("python3 with pydantic 2 is not available ("
                    + probe.output().strip() + ")");
        }
        return Optional.empty();
    }

    /** The first few differing positions, each cut around its first differing character. */
    public static String difference(List<String> expected, List<String> actual) {
        StringBuilder out = new StringBuilder(expected.size() + " expected, " + actual.size() + " received\n");
        int shown = 0;
        for (int i = 0; i < Math.max(expected.size(), actual.size()) && shown < 5; i++) {
            String e = i < expected.size() ? expected.get(i) : null;
            String a = i < actual.size() ? actual.get(i) : null;
            if (Objects.equals(e, a)) {
                continue;
            }
            int at = 0;
            while (e != null && a != null && at < Math.min(e.length(), a.length()) && e.charAt(at) == a.charAt(at)) {
                at++;
            }
            out.append("event #")
                    .append(i + 1)
                    .append(", from character ")
                    .append(at)
                    .append(":\n  expected: ")
                    .append(around(e, at))
                    .append("\n  received: ")
                    .append(around(a, at))
                    .append('\n');
            shown++;
        }
        return out.toString();
    }

    private static String around(String line, int at) {
        if (line == null) {
            return "(nothing)";
        }
        int from = Math.max(0, at - 100);
        int to = Math.min(line.length(), at + 200);
        return (from > 0 ? "…" : "") + line.substring(from, to) + (to < line.length() ? "…" : "");
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
