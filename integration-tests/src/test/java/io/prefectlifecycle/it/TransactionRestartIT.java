package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.DebeziumChange;
import io.prefectlifecycle.testsupport.ExactlyOnceCheck;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.testsupport.TopicTail;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app as its own JVM (the shaded jar, {@code run}, exactly-once v2, a persistent state dir) killed with SIGKILL
 * while it holds half a transaction, then restarted: the transaction comes out once, whole, with the ids
 * {@code transform} gives the same records.
 *
 * <p>The input is Debezium-shaped records produced straight to the change stream, so the test decides exactly where
 * the transaction is cut: BEGIN and two of its four changes before the kill, the other two and END after. A second
 * case cuts a transaction of {@value #LARGE_FULL} changes ({@value #LARGE_REDUCED} in the default build) in the middle.
 */
class TransactionRestartIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String APP_ID = "transaction-restart-it";
    private static final String V0 = "00000000-0000-4000-b000-000000000000";
    private static final String V1 = "00000000-0000-4000-b000-000000000001";
    private static final String F1 = "00000000-0000-4000-b000-000000000011";
    private static final String F2 = "00000000-0000-4000-b000-000000000012";
    private static final String V3 = "00000000-0000-4000-b000-000000000003";
    private static final int LARGE_FULL = 100_000;
    private static final int LARGE_REDUCED = 20_000;
    private static final String CDC_TOPIC = TopologySettings.defaults().cdcTopic();

    /** One CDC record as Kafka carries it and as {@code transform} reads it. */
    private record Line(String topic, String key, String value) {
        String jsonLine() {
            return "{\"topic\":\"" + topic + "\",\"key\":" + key + ",\"value\":" + value + "}";
        }
    }

    @Test
    void transactionHalfBufferedWhenKilledComesOutOnceAfterRestart() throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> timings = new LinkedHashMap<>();
        TopologySettings settings = TopologySettings.defaults();
        ConnectorDefinition connector = ConnectorDefinition.load();
        List<Line> before = new ArrayList<>();
        // tx 899, complete: emitted before the kill, must not come again
        before.add(marker("BEGIN", 899, 30_000_000L, 0, null));
        before.add(variableInsert(V0, "restart_v0", 899, 30_000_100L, 1_780_664_515_123_573L, 1, 1));
        before.add(marker("END", 899, 30_000_200L, 1, Map.of("public.variable", 1)));
        // tx 900: four changes of two tables; BEGIN and the first two before the kill
        long commit900 = 1_780_664_516_200_000L;
        List<Line> half = List.of(
                marker("BEGIN", 900, 30_001_000L, 0, null),
                variableInsert(V1, "restart_v1", 900, 30_001_100L, commit900, 1, 1),
                flowInsert(F1, "restart-f1", 900, 30_001_200L, commit900, 2, 1));
        List<Line> rest = List.of(
                variableDelete(V0, 900, 30_001_300L, commit900, 3, 2),
                flowInsert(F2, "restart-f2", 900, 30_001_400L, commit900, 4, 2),
                marker("END", 900, 30_001_500L, 4, Map.of("public.variable", 2, "public.flow", 2)),
                // tx 901: the sentinel
                marker("BEGIN", 901, 30_002_000L, 0, null),
                variableInsert(V3, "restart_v3", 901, 30_002_100L, 1_780_664_517_300_000L, 1, 1),
                marker("END", 901, 30_002_200L, 1, Map.of("public.variable", 1)));

        Path stateDir = Files.createTempDirectory("transaction-restart-it-state-");
        try (LocalKafka kafka = LocalKafka.start()) {
            List<String> topics = new ArrayList<>(List.of(connector.cdcTopic()));
            topics.add(settings.eventsTopic());
            topics.add(settings.deadLetterTopic());
            kafka.createTopics(topics);
            timings.put("Kafka up", ms(System.nanoTime() - t0));

            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
                    TopicTail events = new TopicTail(kafka.bootstrapServers(), settings.eventsTopic());
                    TopicTail deadLetters = new TopicTail(kafka.bootstrapServers(), settings.deadLetterTopic());
                    Admin admin = kafka.admin()) {
                Process first = startApp(kafka.bootstrapServers(), stateDir, 1);
                try {
                    long t = System.nanoTime();
                    produce(producer, before);
                    await("tx 899's event")
                            .atMost(Duration.ofSeconds(120))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> events.size() >= 1);
                    timings.put("first app: start -> tx 899's event", ms(System.nanoTime() - t));

                    Map<TopicPartition, Long> produced = produce(producer, half);
                    await("the app commits its offsets past BEGIN and two changes of tx 900")
                            .atMost(Duration.ofSeconds(60))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() -> consumedPast(admin, produced));
                    // the output of processing those records is committed with the offsets: it is visible by now
                    assertEquals(
                            List.of("prefect.variable." + V0),
                            events.all().stream().map(Received::key).toList(),
                            "half of tx 900 is held, not emitted");
                    assertTrue(first.isAlive(), "first app still running");
                } finally {
                    first.destroyForcibly(); // SIGKILL to the JVM itself
                    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
                }
                assertEquals(137, first.exitValue(), "killed by SIGKILL");

                produce(producer, rest);
                long restart = System.nanoTime();
                Process second = startApp(kafka.bootstrapServers(), stateDir, 2);
                try {
                    await("tx 901's event after the restart")
                            .atMost(Duration.ofSeconds(180))
                            .pollInterval(Duration.ofMillis(50))
                            .until(() ->
                                    events.all().stream().anyMatch(r -> r.key().equals("prefect.variable." + V3)));
                    timings.put("second app: start -> tx 901's event", ms(System.nanoTime() - restart));
                } finally {
                    second.destroy();
                    if (!second.waitFor(60, TimeUnit.SECONDS)) {
                        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }

                List<Received> got = events.all();
                assertEquals(
                        List.of(
                                "prefect.variable.created " + V0,
                                "prefect.variable.created " + V1,
                                "prefect.flow.created " + F1,
                                "prefect.variable.deleted " + V0,
                                "prefect.flow.created " + F2,
                                "prefect.variable.created " + V3),
                        got.stream()
                                .map(r -> r.json().path("event").asText() + " "
                                        + r.key().substring(r.key().lastIndexOf('.') + 1))
                                .toList(),
                        "tx 899 once, tx 900 whole and once (one event per row), then tx 901");
                assertEquals(
                        "restart_v0",
                        got.get(3).json().path("payload").path("name").asText(),
                        "the delete carries V0's last state, from the restored row store");
                assertEquals(
                        got.size(),
                        got.stream()
                                .map(r -> r.json().path("id").asText())
                                .distinct()
                                .count(),
                        "no duplicate event ids");
                assertEquals(
                        List.of(),
                        deadLetters.all().stream().map(Received::value).toList(),
                        "dead letters");

                List<Line> all = new ArrayList<>(before);
                all.addAll(half);
                all.addAll(rest);
                List<String> offline = transform(all);
                assertEquals(
                        offline,
                        got.stream().map(Received::value).toList(),
                        "the same bytes, ids included, as transform over the same records");
            }
        } finally {
            deleteRecursively(stateDir);
            timings.put("whole test", ms(System.nanoTime() - t0));
            timings.forEach((what, value) -> System.out.printf("TransactionRestartIT %-40s %s%n", what, value));
        }
    }

    /**
     * SIGKILL in the middle of a large transaction, after the app has committed its offsets past half of it (the rows
     * it touched are in the changelog by then): after the restart every row's event comes out once, in change order,
     * with the ids {@code transform} gives.
     */
    @Test
    void aLargeTransactionCutByAKillComesOutOnceAfterRestart() throws Exception {
        int changes = Boolean.getBoolean("reliability.full") ? LARGE_FULL : LARGE_REDUCED;
        long commit = 1_780_664_600_000_000L;
        List<Line> first = new ArrayList<>();
        List<Line> second = new ArrayList<>();
        first.add(marker("BEGIN", 1_000, 40_000_000L, 0, null));
        for (int i = 1; i <= changes; i++) {
            String id = String.format("00000000-0000-4000-c000-%012d", i);
            (i <= changes / 2 ? first : second)
                    .add(variableInsert(id, "large_" + i, 1_000, 40_000_000L + i * 100L, commit, i, i));
        }
        second.add(
                marker("END", 1_000, 40_000_000L + (changes + 1) * 100L, changes, Map.of("public.variable", changes)));
        List<Line> all = new ArrayList<>(first);
        all.addAll(second);
        List<String> offline = transform(all);
        assertEquals(changes, offline.size());

        Path stateDir = Files.createTempDirectory("transaction-restart-it-large-state-");
        TopologySettings settings = TopologySettings.defaults();
        try (LocalKafka kafka = LocalKafka.start()) {
            kafka.createTopics(List.of(CDC_TOPIC, settings.eventsTopic(), settings.deadLetterTopic()));
            try (KafkaProducer<String, String> producer = producer(kafka.bootstrapServers());
                    TopicTail events = new TopicTail(kafka.bootstrapServers(), settings.eventsTopic());
                    Admin admin = kafka.admin()) {
                long t0 = System.nanoTime();
                Process app = startApp(kafka.bootstrapServers(), stateDir, 3);
                Map<TopicPartition, Long> produced;
                try {
                    produced = produceFast(producer, first);
                    await("the app commits past half of the transaction")
                            .atMost(Duration.ofMinutes(5))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> consumedPast(admin, produced));
                    assertEquals(0, events.size(), "nothing of an open transaction is emitted");
                } finally {
                    app.destroyForcibly(); // SIGKILL
                    assertTrue(app.waitFor(30, TimeUnit.SECONDS));
                }
                assertEquals(137, app.exitValue(), "killed by SIGKILL");
                System.out.printf(
                        "TransactionRestartIT large: %,d changes, killed after %,d (%.1f s)%n",
                        changes, first.size() - 1, (System.nanoTime() - t0) / 1e9);

                produceFast(producer, second);
                long restart = System.nanoTime();
                Process again = startApp(kafka.bootstrapServers(), stateDir, 4);
                try {
                    await(changes + " events after the restart")
                            .atMost(Duration.ofMinutes(5))
                            .pollInterval(Duration.ofMillis(200))
                            .until(() -> events.size() >= changes);
                    System.out.printf(
                            "TransactionRestartIT large: restart -> %,d events in %.1f s%n",
                            changes, (System.nanoTime() - restart) / 1e9);
                    assertEquals(
                            offline,
                            events.all().stream().map(Received::value).toList(),
                            "every row once, in change order, ids included");
                } finally {
                    again.destroy();
                    if (!again.waitFor(60, TimeUnit.SECONDS)) {
                        again.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    }
                }
            }
        } finally {
            deleteRecursively(stateDir);
        }
    }

    private static Process startApp(String bootstrapServers, Path stateDir, int run) throws Exception {
        Path log = ProjectPaths.root().resolve("streams-app/target/transaction-restart-it-app-" + run + ".log");
        return JarLauncher.run(bootstrapServers, stateDir, APP_ID + "-" + stateDir.getFileName())
                .log(log)
                .start();
    }

    /** Runs {@code java -jar … transform} over the records; returns its stdout lines (it must print no dead letter). */
    private static List<String> transform(List<Line> lines) throws Exception {
        Path input = Files.createTempFile("transaction-restart-it-", ".jsonl");
        Path errors = Files.createTempFile("transaction-restart-it-", ".err");
        try {
            Files.write(input, lines.stream().map(Line::jsonLine).toList(), StandardCharsets.UTF_8);
            Process transform = JarLauncher.app()
                    .args("transform")
                    .input(input)
                    .output(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.to(errors.toFile()))
                    .start();
            String out = new String(transform.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(transform.waitFor(60, TimeUnit.SECONDS), "transform finished");
            assertEquals(0, transform.exitValue(), Files.readString(errors));
            String err = Files.readString(errors);
            assertEquals(List.of(), err.lines().filter(l -> l.startsWith("{")).toList(), "transform's dead letters");
            return out.lines().toList();
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(errors);
        }
    }

    private static boolean consumedPast(Admin admin, Map<TopicPartition, Long> lastProduced) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = ExactlyOnceCheck.committedOffsets(admin, APP_ID);
        return committed != null
                && lastProduced.entrySet().stream()
                        .allMatch(e -> committed.get(e.getKey()) != null
                                && committed.get(e.getKey()).offset() > e.getValue());
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                new StringSerializer(),
                new StringSerializer());
    }

    /** Produces into the change stream in order, one at a time; returns the last offset written. */
    private static Map<TopicPartition, Long> produce(KafkaProducer<String, String> producer, List<Line> lines)
            throws Exception {
        Map<TopicPartition, Long> last = new HashMap<>();
        for (Line line : lines) {
            RecordMetadata written = producer.send(new ProducerRecord<>(CDC_TOPIC, line.key(), line.value()))
                    .get();
            last.put(new TopicPartition(written.topic(), written.partition()), written.offset());
        }
        return last;
    }

    /** The same, many at a time (the idempotent producer keeps their order). */
    private static Map<TopicPartition, Long> produceFast(KafkaProducer<String, String> producer, List<Line> lines)
            throws Exception {
        java.util.concurrent.Future<RecordMetadata> last = null;
        for (Line line : lines) {
            last = producer.send(new ProducerRecord<>(CDC_TOPIC, line.key(), line.value()));
        }
        producer.flush();
        RecordMetadata written = last.get();
        return Map.of(new TopicPartition(written.topic(), written.partition()), written.offset());
    }

    // ---- Debezium-shaped records (as in shared/fixtures/spec-examples and the captured golden records)

    private static Line marker(String status, long txId, long lsn, int eventCount, Map<String, Integer> perTable) {
        ObjectNode value = JSON.createObjectNode().put("status", status).put("id", txId + ":" + lsn);
        if (perTable == null) {
            value.putNull("event_count");
            value.putNull("data_collections");
        } else {
            value.put("event_count", eventCount);
            ArrayNode collections = value.putArray("data_collections");
            perTable.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> collections
                            .addObject()
                            .put("data_collection", e.getKey())
                            .put("event_count", e.getValue()));
        }
        value.put("ts_ms", 1_780_664_515_000L + txId);
        return new Line("prefect.transaction", "{\"id\":\"" + txId + ":" + lsn + "\"}", value.toString());
    }

    private static Line variableInsert(
            String id, String name, long txId, long lsn, long commitUs, int total, int inTable) {
        ObjectNode after = JSON.createObjectNode()
                .put("id", id)
                .put("created", "2026-06-05T13:01:54.123456Z")
                .put("updated", "2026-06-05T13:01:54.123456Z")
                .put("name", name)
                .put("tags", "[]")
                .put("value", "\"x\"");
        return change("variable", id, "c", null, after, txId, lsn, commitUs, total, inTable);
    }

    /** REPLICA IDENTITY DEFAULT: the before-image has the key and Debezium's defaults for the other columns. */
    private static Line variableDelete(String id, long txId, long lsn, long commitUs, int total, int inTable) {
        ObjectNode before = JSON.createObjectNode()
                .put("id", id)
                .put("created", "1970-01-01T00:00:00.000000Z")
                .put("updated", "1970-01-01T00:00:00.000000Z")
                .put("name", "")
                .put("tags", "[]")
                .putNull("value");
        return change("variable", id, "d", before, null, txId, lsn, commitUs, total, inTable);
    }

    private static Line flowInsert(String id, String name, long txId, long lsn, long commitUs, int total, int inTable) {
        ObjectNode after = JSON.createObjectNode()
                .put("id", id)
                .put("created", "2026-06-05T13:02:00.000000Z")
                .put("updated", "2026-06-05T13:02:00.000000Z")
                .put("name", name)
                .put("tags", "[]")
                .put("labels", "{}");
        return change("flow", id, "c", null, after, txId, lsn, commitUs, total, inTable);
    }

    private static Line change(
            String table,
            String id,
            String op,
            ObjectNode before,
            ObjectNode after,
            long txId,
            long lsn,
            long commitUs,
            int total,
            int inTable) {
        ObjectNode value = DebeziumChange.value(table, op, before, after, txId, lsn, commitUs, total, inTable);
        return new Line("prefect.public." + table, "{\"id\":\"" + id + "\"}", value.toString());
    }

    // ---- helpers

    private static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }

    private static void deleteRecursively(Path dir) {
        File[] children = dir.toFile().listFiles();
        if (children != null) {
            for (File child : children) {
                deleteRecursively(child.toPath());
            }
        }
        dir.toFile().delete();
    }
}
