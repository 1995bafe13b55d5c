package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.golden.PrefectOracle;
import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.local.SqlTransaction;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.FernetTokens;
import io.prefectlifecycle.testsupport.TopicTail;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 4's rules against real multi-statement PostgreSQL transactions, through Debezium (transaction metadata on,
 * connect-config/) and the app, read back {@code read_committed} as a consumer would.
 *
 * <p>Each case ends with a sentinel: a variable inserted in its own transaction after the case's. When the sentinel's
 * event has arrived, everything the case produced has too (transactions come out in commit order), so the case
 * asserts the exact list of events between the previous sentinel and its own: which, in which order, and nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransactionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FERNET_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final Duration EVENT_WAIT = Duration.ofSeconds(90);

    private static LocalStack stack;
    private static StreamsApp app;
    private static final List<AutoCloseable> closeables = new ArrayList<>();
    private static final List<Path> stateDirs = new ArrayList<>();
    private static TopicTail events;
    private static TopicTail deadLetters;
    private static TopicTail cdc;
    private static Connection db;
    private static Connection db2;
    private static final Map<String, String> timings = new LinkedHashMap<>();
    private static long classStart;

    /** Index in {@link #events} of the first event no case has accounted for yet. */
    private static int consumed;

    private static int nextId = 1;
    private static int fernetSeed;

    private static String secretishType;
    private static String secretishSchema;

    @BeforeAll
    static void startStackAndApp() throws Exception {
        classStart = System.nanoTime();
        stack = LocalStack.start();
        TopologySettings settings = TopologySettings.defaults();
        stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
        stack.registerConnector();
        Path stateDir = Files.createTempDirectory("transactions-it-state-");
        stateDirs.add(stateDir);
        app = StreamsApp.start(settings, StreamsApp.properties(stack.bootstrapServers(), "transactions-it", stateDir));
        events = new TopicTail(stack.bootstrapServers(), settings.eventsTopic());
        deadLetters = new TopicTail(stack.bootstrapServers(), settings.deadLetterTopic());
        cdc = new TopicTail(stack.bootstrapServers(), stack.cdcTopic());
        db = stack.postgres().connect();
        db2 = stack.postgres().connect();
        timing("stack + connector + app start", classStart);

        secretishType = id();
        secretishSchema = id();
        List<Received> setup = window("setup", () -> {
            sql(
                    db,
                    "INSERT INTO configuration (key, value) VALUES ('ENCRYPTION_KEY', ?::jsonb)",
                    "{\"fernet_key\": \"" + FERNET_KEY + "\"}");
            insertBlockType(db, secretishType, "Secretish", "secretish");
            insertBlockSchema(db, secretishSchema, secretishType, "[\"password\"]", "secretish");
        });
        assertEquals(List.of("block-type.created " + secretishType), summary(setup));
    }

    @AfterAll
    static void stopAll() throws Exception {
        long t = System.nanoTime();
        for (AutoCloseable c : List.of(closeables.toArray(new AutoCloseable[0]))) {
            c.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {events, deadLetters, cdc, db, db2, app, stack}) {
            if (c != null) {
                c.close();
            }
        }
        for (Path dir : stateDirs) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        timing("teardown", t);
        timing("whole class", classStart);
        timings.forEach((what, value) -> System.out.printf("TransactionsIT %-58s %s%n", what, value));
    }

    @Test
    @Order(1)
    void insertThenUpdateOfOneDocumentIsOneCreatedWithTheUpdatedData() throws Exception {
        String doc = id();
        List<Received> got = window(
                "a insert+update",
                () -> inTransaction(db, () -> {
                    insertBlockDocument(db, doc, "two-step", "{\"username\": \"first\"}");
                    updateBlockDocument(
                            db,
                            doc,
                            "two-step",
                            "{\"username\": \"second\", \"password\": \"pw2\", \"region\": \"eu\"}");
                }));
        assertEquals(List.of("block-document.created " + doc), summary(got));
        JsonNode payload = got.get(0).json().path("payload");
        assertEquals("two-step", payload.path("name").asText());
        assertEquals(JSON.readTree("{\"username\":\"second\",\"region\":\"eu\"}"), payload.path("data"));
        assertEquals(
                secretishType,
                payload.path("block_schema").path("block_type").path("id").asText());
        assertEquals(List.of("c", "u"), cdcOps("block_document", doc), "Debezium saw both changes");
    }

    @Test
    @Order(2)
    void twoUpdatesOfOneDocumentAreOneUpdatedWithTheLastState() throws Exception {
        String doc = id();
        List<Received> created =
                window("b prelude", () -> insertBlockDocument(db, doc, "twice", "{\"username\": \"v1\"}"));
        assertEquals(List.of("block-document.created " + doc), summary(created));

        List<Received> got = window(
                "b two updates",
                () -> inTransaction(db, () -> {
                    updateBlockDocument(db, doc, "twice", "{\"username\": \"v2\"}");
                    updateBlockDocument(db, doc, "twice-renamed", "{\"username\": \"v3\", \"password\": \"pw3\"}");
                }));
        assertEquals(List.of("block-document.updated " + doc), summary(got));
        JsonNode payload = got.get(0).json().path("payload");
        assertEquals("twice-renamed", payload.path("name").asText());
        assertEquals(JSON.readTree("{\"username\":\"v3\"}"), payload.path("data"));
        assertEquals(
                "twice-renamed",
                got.get(0).json().path("resource").path("prefect.resource.name").asText());
        assertEquals(List.of("c", "u", "u"), cdcOps("block_document", doc));
    }

    @Test
    @Order(3)
    void blockTypeDeletedWithItsSchemasAndDocumentsByCascadeIsOneBlockTypeDeleted() throws Exception {
        String type = id();
        String schemaV1 = id();
        String schemaV2 = id();
        String doc1 = id();
        String doc2 = id();
        List<Received> created = window("c prelude", () -> {
            insertBlockType(db, type, "Doomed", "doomed");
            insertBlockSchema(db, schemaV1, type, "[]", "doomed");
            insertBlockSchema(db, schemaV2, type, "[\"password\"]", "doomed-v2");
            insertBlockDocument(db, doc1, "doomed-1", "{\"username\": \"a\"}", schemaV1, type, "Doomed");
            insertBlockDocument(db, doc2, "doomed-2", "{\"username\": \"b\"}", schemaV2, type, "Doomed");
        });
        assertEquals(
                List.of(
                        "block-type.created " + type,
                        "block-document.created " + doc1,
                        "block-document.created " + doc2),
                summary(created));

        List<Received> got = window(
                "c cascade",
                () -> inTransaction(db, () -> sql(db, "DELETE FROM block_type WHERE block_type.id = ?::uuid", type)));
        assertEquals(List.of("block-type.deleted " + type), summary(got));
        assertEquals("Doomed", got.get(0).json().path("payload").path("name").asText());
        // what Debezium delivered for that one statement: the type, both schemas and both documents, one transaction
        assertEquals(List.of("c", "d"), cdcOps("block_type", type));
        assertEquals(List.of("c", "d"), cdcOps("block_schema", schemaV1));
        assertEquals(List.of("c", "d"), cdcOps("block_schema", schemaV2));
        assertEquals(List.of("c", "d"), cdcOps("block_document", doc1));
        assertEquals(List.of("c", "d"), cdcOps("block_document", doc2));
        assertEquals(
                1,
                cdcTransactionIds(List.of(type, schemaV1, schemaV2, doc1, doc2), "d")
                        .size());
    }

    @Test
    @Order(4)
    void transactionSpanningSeveralTablesIsEmittedTogetherInTransactionOrder() throws Exception {
        String variable = id();
        String flow = id();
        String limit = id();
        String doc = id();
        String concurrent = id();
        List<Received> got = window(
                "d several tables",
                () -> inTransaction(db, () -> {
                    insertVariable(db, variable, "multi_var", "\"v\"");
                    insertFlow(db, flow, "multi-flow");
                    // another client commits while this transaction is open: it commits first, so its event comes first
                    insertVariable(db2, concurrent, "concurrent_var", "1");
                    sql(
                            db,
                            "INSERT INTO concurrency_limit_v2 (active, name, \"limit\", active_slots, denied_slots, "
                                    + "slot_decay_per_second, avg_slot_occupancy_seconds, id) VALUES (true, 'multi-limit', 4, 0, 0, 0.5, 2.0, ?::uuid)",
                            limit);
                    insertBlockDocument(db, doc, "multi-doc", "{\"username\": \"m\"}");
                    sql(
                            db,
                            "UPDATE flow SET tags = '[\"late\"]'::jsonb, updated = now() WHERE flow.id = ?::uuid",
                            flow);
                }));
        assertEquals(
                List.of(
                        "variable.created " + concurrent,
                        "variable.created " + variable,
                        "flow.created " + flow,
                        "concurrency-limit.created " + limit,
                        "block-document.created " + doc),
                summary(got));
        assertEquals(
                JSON.readTree("[\"late\"]"),
                got.get(2).json().path("payload").path("tags"),
                "the flow's created event carries the transaction's last state");
        assertEquals(4, got.get(3).json().path("payload").path("limit").asInt());
        Map<String, Long> occurred = got.subList(1, 5).stream()
                .collect(Collectors.groupingBy(r -> r.json().path("occurred").asText(), Collectors.counting()));
        assertEquals(1, occurred.size(), "one commit time for the whole transaction: " + occurred);
    }

    @Test
    @Order(5)
    void insertThenDeleteOfOneVariableIsNothing() throws Exception {
        String variable = id();
        List<Received> got = window(
                "e insert+delete",
                () -> inTransaction(db, () -> {
                    insertVariable(db, variable, "ephemeral", "\"gone\"");
                    sql(db, "DELETE FROM variable WHERE variable.id = ?::uuid", variable);
                }));
        assertEquals(List.of(), summary(got));
        assertEquals(List.of("c", "d"), cdcOps("variable", variable), "Debezium saw the insert and the delete");
    }

    @Test
    @Order(6)
    void longTransactionOfThousandsOfRowsComesOutWholeAndInOrder() throws Exception {
        int rows = 5_000;
        List<String> ids = IntStream.range(0, rows).mapToObj(i -> id()).toList();
        long[] committedAt = new long[1];
        List<Received> got = window("f 5000 rows", () -> {
            db.setAutoCommit(false);
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, ?, ?::jsonb, '[]'::jsonb)")) {
                for (int i = 0; i < rows; i++) {
                    insert.setString(1, ids.get(i));
                    insert.setString(2, String.format("bulk_%05d", i));
                    insert.setString(3, Integer.toString(i));
                    insert.addBatch();
                }
                insert.executeBatch();
                db.commit();
                committedAt[0] = System.nanoTime();
            } finally {
                db.setAutoCommit(true);
            }
        });
        List<String> expected = ids.stream().map(id -> "variable.created " + id).toList();
        assertEquals(expected, summary(got), "5000 created events, contiguous, in insert order");
        for (int i = 0; i < rows; i += 997) {
            JsonNode payload = got.get(i).json().path("payload");
            assertEquals(String.format("bulk_%05d", i), payload.path("name").asText());
            assertEquals(i, payload.path("value").asInt());
        }
        long firstChange = firstCdc(r -> isChange(r, "variable") && ids.get(0).equals(idOf(r)))
                .receivedNanos();
        long lastChange =
                lastCdc(r -> isChange(r, "variable") && ids.contains(idOf(r))).receivedNanos();
        String tx = cdcTransactionIds(List.of(ids.get(0)), "c").iterator().next();
        long end = lastCdc(r -> isMarker(r)
                        && r.json().path("status").asText().equals("END")
                        && r.json().path("id").asText().startsWith(tx + ":"))
                .receivedNanos();
        timings.put("f: 5000-row tx, COMMIT -> first change on CDC topic", ms(firstChange - committedAt[0]));
        timings.put("f: 5000-row tx, COMMIT -> last change on CDC topic", ms(lastChange - committedAt[0]));
        timings.put("f: 5000-row tx, COMMIT -> END on prefect.transaction", ms(end - committedAt[0]));
        timings.put("f: 5000-row tx, COMMIT -> first event", ms(got.get(0).receivedNanos() - committedAt[0]));
        timings.put("f: 5000-row tx, COMMIT -> last event", ms(got.get(rows - 1).receivedNanos() - committedAt[0]));
        // emitted together: one Kafka transaction, read in one go; a pause inside means it came out in parts
        int widest = 0;
        for (int i = 1; i < rows; i++) {
            if (gap(got, i) > gap(got, widest)) {
                widest = i;
            }
        }
        timings.put(
                "f: 5000-row tx, widest gap between consecutive events",
                ms(gap(got, widest)) + " before event #" + widest);
        assertTrue(
                gap(got, widest) < 1_000_000_000L,
                "the 5000 events came out in parts: " + ms(gap(got, widest))
                        + " between event #" + (widest - 1) + " and #" + widest + " (first change on CDC "
                        + ms(firstChange - committedAt[0]) + ", END " + ms(end - committedAt[0])
                        + " after COMMIT; first event "
                        + ms(got.get(0).receivedNanos() - committedAt[0]) + ", last "
                        + ms(got.get(rows - 1).receivedNanos() - committedAt[0])
                        + ")");
    }

    @Test
    @Order(7)
    void concurrentTransactionsComeOutInCommitOrder() throws Exception {
        String a1 = id();
        String a2 = id();
        String b1 = id();
        String b2 = id();
        List<Received> got = window("g commit order", () -> {
            db.setAutoCommit(false);
            db2.setAutoCommit(false);
            try {
                insertVariable(db, a1, "tx_a_var", "1"); // A starts first...
                insertFlow(db2, b1, "tx-b-flow");
                insertFlow(db, a2, "tx-a-flow");
                insertVariable(db2, b2, "tx_b_var", "2");
                db2.commit(); // ...B commits first
                db.commit();
            } finally {
                db.setAutoCommit(true);
                db2.setAutoCommit(true);
            }
        });
        assertEquals(
                List.of("flow.created " + b1, "variable.created " + b2, "variable.created " + a1, "flow.created " + a2),
                summary(got));
    }

    /**
     * Debezium's heartbeat ({@code heartbeat.action.query} in connect-config/, every 10 s) is a transaction too: BEGIN,
     * one change to {@code prefect_cdc_heartbeat} and an END counting it. A Prefect commit right after one must not
     * wait for it: the heartbeat's change is complete on its topic even though no event comes of it.
     */
    @Test
    @Order(8)
    void commitRightAfterADebeziumHeartbeatIsNotHeldByIt() throws Exception {
        List<Latency> afterHeartbeat = new ArrayList<>();
        List<String> heartbeats = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            int from = cdc.size();
            await("a heartbeat transaction END")
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> cdc.indexOf(from, TransactionsIT::isHeartbeatEnd) >= 0);
            afterHeartbeat.add(singleRowCommit("after_heartbeat_" + i, events, Optional.empty()));
            String tx = cdc.all()
                    .get(cdc.indexOf(from, TransactionsIT::isHeartbeatEnd))
                    .json()
                    .path("id")
                    .asText()
                    .split(":")[0];
            cdc.all().stream()
                    .filter(r -> r.value() != null && (r.value().contains("\"" + tx + ":")))
                    .forEach(r -> heartbeats.add(r.topic() + " " + r.value()));
        }
        report("i: metadata on, single-row tx right after a heartbeat tx END (n=2)", afterHeartbeat);
        // held back, a commit would wait for the next heartbeat transaction to end it, 10 s later
        long limit = 5_000;
        assertTrue(
                afterHeartbeat.stream().allMatch(l -> l.eventMs() < limit),
                "a commit right after a heartbeat transaction waited "
                        + afterHeartbeat.stream().map(Latency::eventMs).toList()
                        + " ms for its event; the heartbeat transactions, as Debezium wrote them:\n"
                        + String.join("\n", heartbeats));
    }

    /**
     * Without transaction metadata nothing marks a transaction's end but the next transaction: Debezium's heartbeat
     * (here every second) ends the last one. Single-row commits through a second connector without metadata, and a
     * second app reading its stream: each commit waits for its event before the next, so only a heartbeat can end its
     * transaction, and a commit held back would never give its event ({@link #EVENT_WAIT} is the bound). The stream
     * has no BEGIN/END, the record after each commit's change is a heartbeat's change, and the events are those the
     * metadata-on app gives for the same commits. The latencies of both are printed, not judged (LatencyIT measures).
     */
    @Test
    @Order(9)
    void withoutTransactionMetadataTheHeartbeatEndsTheLastTransaction() throws Exception {
        String prefix = "notx";
        TopologySettings noTx = new TopologySettings(
                TopologySettings.cdcTopicOf(prefix),
                prefix + ".lifecycle-events",
                prefix + ".lifecycle-events.dlq",
                Optional.empty(),
                false);
        ConnectorDefinition standard = ConnectorDefinition.load();
        Map<String, String> config = new LinkedHashMap<>(standard.config());
        config.put("topic.prefix", prefix);
        config.put("slot.name", "prefect_lifecycle_notx");
        config.put("publication.name", "prefect_lifecycle_notx");
        config.put("provide.transaction.metadata", "false");
        config.put("snapshot.mode", "no_data");
        config.put("heartbeat.interval.ms", "1000");
        ConnectorDefinition withoutMetadata = new ConnectorDefinition("prefect-lifecycle-notx", config);
        List<String> topics = new ArrayList<>(List.of(withoutMetadata.cdcTopic()));
        topics.add(noTx.eventsTopic());
        topics.add(noTx.deadLetterTopic());
        stack.kafka().createTopics(topics);
        stack.connect().registerConnector(withoutMetadata, stack.postgres().coordinates(), Duration.ofSeconds(60));
        Path noTxState = Files.createTempDirectory("transactions-it-notx-state-");
        stateDirs.add(noTxState);
        StreamsApp noTxApp = StreamsApp.start(
                noTx, StreamsApp.properties(stack.bootstrapServers(), "transactions-it-notx", noTxState));
        closeables.add(0, noTxApp);
        TopicTail noTxEvents = new TopicTail(stack.bootstrapServers(), noTx.eventsTopic());
        closeables.add(0, noTxEvents);
        TopicTail noTxDeadLetters = new TopicTail(stack.bootstrapServers(), noTx.deadLetterTopic());
        closeables.add(0, noTxDeadLetters);
        TopicTail noTxCdc = new TopicTail(stack.bootstrapServers(), withoutMetadata.cdcTopic());
        closeables.add(0, noTxCdc);
        // the second connector starts streaming some time after RUNNING: wait until a first commit comes through
        singleRowCommit("notx_warmup", noTxEvents, Optional.of(events));

        List<Latency> on = new ArrayList<>();
        List<Latency> off = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Latency both = singleRowCommit("compare_" + i, noTxEvents, Optional.of(events));
            off.add(both);
            on.add(both.other());
        }
        report("h: same commits, metadata on  (n=5)", on);
        report("h: same commits, metadata off, heartbeat every 1 s (n=5)", off);

        // the stream's tail is a consumer of its own and may be a poll behind the app: wait for the last commit's end
        Predicate<Received> lastCommit =
                r -> isChange(r, "variable") && r.value().contains("\"compare_4\"");
        await("the last commit and the record after it on the tail")
                .atMost(EVENT_WAIT)
                .until(() ->
                        noTxCdc.indexOf(0, lastCommit) >= 0 && noTxCdc.size() > noTxCdc.indexOf(0, lastCommit) + 1);
        List<Received> stream = noTxCdc.all();
        assertEquals(
                List.of(),
                stream.stream()
                        .filter(TransactionsIT::isMarker)
                        .map(Received::value)
                        .toList(),
                "BEGIN/END in the stream of the connector without metadata");
        List<String> afterEachCommit = new ArrayList<>();
        for (int i = 0; i < stream.size(); i++) {
            if (isChange(stream.get(i), "variable") && stream.get(i).value().contains("\"compare_")) {
                // the record after it is what ended its transaction
                String next = i + 1 == stream.size()
                        ? "nothing"
                        : isChange(stream.get(i + 1), Kinds.HEARTBEAT_TABLE)
                                ? "a heartbeat"
                                : stream.get(i + 1).value();
                afterEachCommit.add(
                        stream.get(i).json().path("after").path("name").asText() + " then " + next);
            }
        }
        assertEquals(
                IntStream.range(0, 5)
                        .mapToObj(i -> "compare_" + i + " then a heartbeat")
                        .toList(),
                afterEachCommit,
                "what ended each commit's transaction in the stream without metadata");

        List<String> withMetadataEvents = events.all().stream()
                .filter(r -> r.value().contains("\"compare_"))
                .map(Received::value)
                .toList();
        List<String> withoutMetadataEvents = noTxEvents.all().stream()
                .filter(r -> r.value().contains("\"compare_"))
                .map(Received::value)
                .toList();
        assertEquals(5, withMetadataEvents.size());
        assertEquals(
                withMetadataEvents.stream().map(TransactionsIT::withoutId).toList(),
                withoutMetadataEvents.stream().map(TransactionsIT::withoutId).toList(),
                "the same events, whether Debezium sends transaction metadata or not (ids hash the connector's name)");
        assertEquals(
                List.of(),
                noTxDeadLetters.all().stream().map(Received::value).toList(),
                "dead letters of the app without metadata");
    }

    @Test
    @Order(10)
    void noDeadLettersAndEveryEventPassesPrefectsSerializer() {
        assertEquals(List.of(), deadLetters.all().stream().map(Received::value).toList(), "dead letters");
        PrefectOracle.assumeAvailable();
        List<String> lines = events.all().stream().map(Received::value).toList();
        PrefectOracle.Verdict verdict = PrefectOracle.check(lines);
        assertEquals(0, verdict.exitCode(), verdict.output());
        timings.put("oracle", verdict.output().strip());
    }

    // ---- cases and sentinels

    private interface SqlBlock {
        void run() throws Exception;
    }

    /**
     * Runs {@code work}, then commits a sentinel variable in its own transaction and waits for its event: returns the
     * events since the previous window, up to the sentinel (excluded), after checking nothing else followed it yet.
     */
    private static List<Received> window(String label, SqlBlock work) throws Exception {
        int from = consumed;
        long t0 = System.nanoTime();
        work.run();
        long committed = System.nanoTime();
        String sentinel = id();
        insertVariable(db, sentinel, "sentinel_" + sentinel.substring(24), "\"" + label + "\"");
        String key = "prefect.variable." + sentinel;
        Predicate<Received> isSentinel = r -> key.equals(r.key());
        await(label + ": sentinel event")
                .atMost(EVENT_WAIT)
                .pollInterval(Duration.ofMillis(10))
                .until(() -> events.indexOf(from, isSentinel) >= 0);
        int at = events.indexOf(from, isSentinel);
        List<Received> all = events.all();
        consumed = at + 1;
        timings.put(label + ": work + COMMIT", ms(committed - t0));
        timings.put(label + ": COMMIT -> sentinel event", ms(all.get(at).receivedNanos() - committed));
        assertEquals(List.of(), deadLetters.all().stream().map(Received::value).toList(), label + ": dead letters");
        return List.copyOf(all.subList(from, at));
    }

    /** {@code <event without "prefect."> <resource id suffix>} per event: what the cases compare. */
    private static List<String> summary(List<Received> got) {
        return got.stream()
                .map(r -> {
                    JsonNode event = r.json();
                    String name = event.path("event").asText().substring("prefect.".length());
                    String kind = name.substring(0, name.lastIndexOf('.'));
                    assertEquals(
                            event.path("resource").path("prefect.resource.id").asText(), r.key(), "key = resource id");
                    return name + " " + r.key().substring(("prefect." + kind + ".").length());
                })
                .toList();
    }

    /** The ops Debezium wrote for one row, in order. */
    private static List<String> cdcOps(String table, String id) {
        return cdc.all().stream()
                .filter(r -> isChange(r, table))
                .filter(r -> id.equals(idOf(r)))
                .map(r -> r.json().path("op").asText())
                .toList();
    }

    /** The transactions (txId part) of the changes with {@code op} to rows with one of {@code ids}. */
    private static Set<String> cdcTransactionIds(List<String> ids, String op) {
        return cdc.all().stream()
                .filter(r -> r.value() != null && !isMarker(r))
                .filter(r ->
                        ids.contains(idOf(r)) && r.json().path("op").asText().equals(op))
                .map(r -> r.json().path("transaction").path("id").asText().split(":")[0])
                .collect(Collectors.toSet());
    }

    private static long gap(List<Received> got, int i) {
        return i == 0 ? 0 : got.get(i).receivedNanos() - got.get(i - 1).receivedNanos();
    }

    private static Received firstCdc(Predicate<Received> match) {
        int at = cdc.indexOf(0, match);
        if (at < 0) {
            throw new AssertionError("no such CDC record");
        }
        return cdc.all().get(at);
    }

    private static Received lastCdc(Predicate<Received> match) {
        List<Received> all = cdc.all();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (match.test(all.get(i))) {
                return all.get(i);
            }
        }
        throw new AssertionError("no such CDC record");
    }

    private static String idOf(Received cdcRecord) {
        try {
            return JSON.readTree(cdcRecord.key()).path("id").asText();
        } catch (Exception e) {
            return "";
        }
    }

    private static String withoutId(String event) {
        return event.replaceFirst("\"id\":\"[0-9a-f-]{36}\"", "\"id\":\"<ID>\"");
    }

    /** A BEGIN or END record of the change stream. */
    private static boolean isMarker(Received r) {
        return r.value() != null && r.json().has("status") && !r.json().has("op");
    }

    /** A change (not a tombstone) of {@code table} in the change stream. */
    private static boolean isChange(Received r, String table) {
        return r.value() != null
                && table.equals(r.json().path("source").path("table").asText());
    }

    private static boolean isHeartbeatEnd(Received r) {
        if (!isMarker(r)) {
            return false;
        }
        JsonNode tx = r.json();
        return tx.path("status").asText().equals("END")
                && tx.path("data_collections").toString().contains("prefect_cdc_heartbeat");
    }

    // ---- latency

    /** Commit to event for one row, and its parts; {@code other} the same commit seen on a second events topic. */
    private record Latency(long changeMs, long endMs, long eventMs, Latency other) {}

    private static Latency singleRowCommit(String name, TopicTail on, Optional<TopicTail> alsoOn) throws Exception {
        String id = id();
        int from = on.size();
        int alsoFrom = alsoOn.map(TopicTail::size).orElse(0);
        int cdcFrom = cdc.size();
        insertVariable(db, id, name, "0");
        long committed = System.nanoTime();
        String key = "prefect.variable." + id;
        await(name)
                .atMost(EVENT_WAIT)
                .pollInterval(Duration.ofMillis(2))
                .until(() -> on.indexOf(from, r -> key.equals(r.key())) >= 0
                        && alsoOn.map(t -> t.indexOf(alsoFrom, r -> key.equals(r.key())) >= 0)
                                .orElse(true));
        long event = on.all().get(on.indexOf(from, r -> key.equals(r.key()))).receivedNanos();
        Latency other = alsoOn.map(t -> {
                    long e = t.all()
                            .get(t.indexOf(alsoFrom, r -> key.equals(r.key())))
                            .receivedNanos();
                    return cdcParts(cdcFrom, id, committed, e);
                })
                .orElse(null);
        Latency here = alsoOn.isPresent()
                ? new Latency(-1, -1, (event - committed) / 1_000_000, other)
                : cdcParts(cdcFrom, id, committed, event);
        return here;
    }

    /** Latency read against the metadata-on CDC topics: commit -> change, commit -> END, commit -> event. */
    private static Latency cdcParts(int cdcFrom, String id, long committed, long event) {
        // the CDC tail is a consumer of its own and may be a poll behind the events tail
        await("change and END of " + id + " on the CDC tail")
                .atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> cdc.all().stream()
                                .skip(cdcFrom)
                                .anyMatch(r -> isMarker(r)
                                        && r.json().path("status").asText().equals("END")
                                        && r.json()
                                                .path("data_collections")
                                                .toString()
                                                .contains("public.variable"))
                        && cdc.indexOf(cdcFrom, r -> isChange(r, "variable") && id.equals(idOf(r))) >= 0);
        int change = cdc.indexOf(cdcFrom, r -> isChange(r, "variable") && id.equals(idOf(r)));
        if (change < 0) {
            return new Latency(-1, -1, (event - committed) / 1_000_000, null);
        }
        Received changeRecord = cdc.all().get(change);
        String tx = changeRecord.json().path("transaction").path("id").asText().split(":")[0];
        int end = cdc.indexOf(
                cdcFrom,
                r -> isMarker(r)
                        && r.json().path("status").asText().equals("END")
                        && r.json().path("id").asText().startsWith(tx + ":"));
        long endNanos = end < 0 ? -1 : cdc.all().get(end).receivedNanos();
        return new Latency(
                (changeRecord.receivedNanos() - committed) / 1_000_000,
                endNanos < 0 ? -1 : (endNanos - committed) / 1_000_000,
                (event - committed) / 1_000_000,
                null);
    }

    private static void report(String label, List<Latency> latencies) {
        timings.put(
                label + ", COMMIT -> event ms",
                stats(latencies.stream().mapToLong(Latency::eventMs).toArray()));
        if (latencies.stream().allMatch(l -> l.changeMs() >= 0 && l.endMs() >= 0)) {
            timings.put(
                    label + ", COMMIT -> change on CDC ms",
                    stats(latencies.stream().mapToLong(Latency::changeMs).toArray()));
            timings.put(
                    label + ", change -> END (END wait) ms",
                    stats(latencies.stream()
                            .mapToLong(l -> l.endMs() - l.changeMs())
                            .toArray()));
            timings.put(
                    label + ", END -> event (app) ms",
                    stats(latencies.stream()
                            .mapToLong(l -> l.eventMs() - Math.max(l.endMs(), l.changeMs()))
                            .toArray()));
        }
    }

    private static String stats(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return String.format(
                "min %d, median %d, max %d (all %s)",
                sorted[0], sorted[sorted.length / 2], sorted[sorted.length - 1], Arrays.toString(values));
    }

    // ---- Prefect's writes

    private static void inTransaction(Connection c, SqlTransaction.Statements block) throws SQLException {
        SqlTransaction.run(c, block);
    }

    private static void insertVariable(Connection c, String id, String name, String valueJson) throws SQLException {
        sql(
                c,
                "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, ?, ?::jsonb, '[]'::jsonb)",
                id,
                name,
                valueJson);
    }

    private static void insertFlow(Connection c, String id, String name) throws SQLException {
        sql(c, "INSERT INTO flow (id, name, tags, labels) VALUES (?::uuid, ?, '[]'::jsonb, '{}'::jsonb)", id, name);
    }

    private static void insertBlockType(Connection c, String id, String name, String slug) throws SQLException {
        sql(
                c,
                "INSERT INTO block_type (name, slug, logo_url, documentation_url, description, code_example, is_protected, id) "
                        + "VALUES (?, ?, NULL, NULL, NULL, NULL, false, ?::uuid)",
                name,
                slug,
                id);
    }

    private static void insertBlockSchema(Connection c, String id, String typeId, String secretFields, String slug)
            throws SQLException {
        String fields = "{\"type\": \"object\", \"title\": \"" + slug
                + "\", \"properties\": {\"username\": {\"type\": \"string\"}}, " + "\"secret_fields\": " + secretFields
                + ", \"block_type_slug\": \"" + slug + "\", \"block_schema_references\": {}}";
        sql(
                c,
                "INSERT INTO block_schema (fields, checksum, block_type_id, capabilities, version, id) "
                        + "VALUES (?::jsonb, ?, ?::uuid, '[]'::jsonb, '1.0.0', ?::uuid)",
                fields,
                "sha256:" + id,
                typeId,
                id);
    }

    private static void insertBlockDocument(Connection c, String id, String name, String plaintext)
            throws SQLException {
        insertBlockDocument(c, id, name, plaintext, secretishSchema, secretishType, "Secretish");
    }

    private static void insertBlockDocument(
            Connection c, String id, String name, String plaintext, String schemaId, String typeId, String typeName)
            throws SQLException {
        sql(
                c,
                "INSERT INTO block_document (name, data, block_schema_id, block_type_id, is_anonymous, block_type_name, id) "
                        + "VALUES (?, ?::jsonb, ?::uuid, ?::uuid, false, ?, ?::uuid)",
                name,
                "\"" + token(plaintext) + "\"",
                schemaId,
                typeId,
                typeName,
                id);
    }

    private static void updateBlockDocument(Connection c, String id, String name, String plaintext)
            throws SQLException {
        sql(
                c,
                "UPDATE block_document SET name = ?, data = ?::jsonb, updated = now() WHERE block_document.id = ?::uuid",
                name,
                "\"" + token(plaintext) + "\"",
                id);
    }

    private static String token(String plaintext) {
        fernetSeed++;
        return FernetTokens.encrypt(FERNET_KEY, plaintext, 1780664514L + fernetSeed, FernetTokens.iv(fernetSeed));
    }

    private static void sql(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }

    private static String id() {
        return String.format("00000000-0000-4000-a000-%012d", nextId++);
    }

    private static void timing(String what, long since) {
        timings.put(what, ms(System.nanoTime() - since));
    }

    private static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }
}
