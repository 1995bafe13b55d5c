package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cli.ReplayCommand;
import io.prefectlifecycle.cli.TransformCommand;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.replay.ReplayResult;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.DebeziumChange;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code replay} against a real broker: a history of Debezium records (a generated history of variable changes,
 * then the real capture, then the deployment, work-pool and work-queue captures of ObjectEventsIT) in the CDC topics, the live app run over it to completion, then a replay into a separate
 * topic must give exactly the live run's events (keys, headers, bytes, order), read {@code read_committed}, without
 * touching the live app's consumer group. {@code --from} gives the suffix. Prints the replay rate.
 * {@code -Dreplay.changes=N} sets the size of the generated history (default 50,000 variable changes).
 */
class ReplayIT {
    private static final String APP_ID = "prefect-lifecycle-replay-it";
    private static final String REPLAY_TOPIC = "prefect.lifecycle-events.replay";
    private static final String FROM_TOPIC = "prefect.lifecycle-events.replay-from";
    private static final int CHANGES = Integer.getInteger("replay.changes", 50_000);

    @Test
    void replayYieldsTheLiveRunsEventsWithoutTouchingTheLiveApp() throws Exception {
        TopologySettings settings = TopologySettings.defaults();
        // the generated history first (an older, busy stretch of the variable table), then the real capture
        List<String> history = new ArrayList<>(VariableHistory.generate(CHANGES, 20260601L));
        int generatedRecords = history.size();
        Files.readAllLines(capture(), StandardCharsets.UTF_8).stream()
                .filter(line -> !line.isBlank())
                .forEach(history::add);
        for (Path objects : objectCaptures()) {
            Files.readAllLines(objects, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank())
                    .forEach(history::add);
        }
        List<String> offline = transform(history);
        long cdcRecords = history.size();

        Path stateDir = Files.createTempDirectory("prefect-lifecycle-replay-it-");
        try (LocalKafka kafka = LocalKafka.start();
                Admin admin = kafka.admin()) {
            String bootstrap = kafka.bootstrapServers();
            kafka.createTopics(List.of(settings.cdcTopic(), settings.eventsTopic(), settings.deadLetterTopic()));
            long t0 = System.nanoTime();
            produce(bootstrap, settings.cdcTopic(), history);
            System.out.printf(
                    "ReplayIT produced %,d records (%,d generated) in %.1f s%n",
                    history.size(), generatedRecords, (System.nanoTime() - t0) / 1e9);

            t0 = System.nanoTime();
            try (StreamsApp live = StreamsApp.start(settings, StreamsApp.properties(bootstrap, APP_ID, stateDir));
                    Reader events = new Reader(bootstrap, settings.eventsTopic())) {
                await(offline.size() + " live events")
                        .atMost(Duration.ofMinutes(5))
                        .pollInSameThread()
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> events.poll().size() >= offline.size());
                awaitCommitted(admin, bootstrap, List.of(new TopicPartition(settings.cdcTopic(), 0)));
            }
            System.out.printf(
                    "ReplayIT live app: %,d events in %.1f s%n", offline.size(), (System.nanoTime() - t0) / 1e9);
            List<Out> liveEvents = readAll(bootstrap, settings.eventsTopic());
            assertEquals(
                    offline,
                    liveEvents.stream().map(Out::value).toList(),
                    "the live run gives the offline pipeline's events");
            Map<TopicPartition, OffsetAndMetadata> offsetsBefore = offsets(admin);
            Set<String> groupsBefore = groups(admin);

            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            long cpu0 = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            ReplayResult result =
                    replay(new PrintStream(progress, true, StandardCharsets.UTF_8), "--bootstrap-servers", bootstrap);
            double cpuSeconds = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9;
            System.out.print(progress.toString(StandardCharsets.UTF_8));
            List<Out> replayed = readAll(bootstrap, REPLAY_TOPIC);
            assertEquals(liveEvents.size(), replayed.size());
            assertEquals(liveEvents, replayed, "same keys, headers and bytes, in the same order");
            assertEquals(cdcRecords, result.recordsRead(), "every record of the CDC topic");
            assertEquals(liveEvents.size(), result.eventsWritten());
            assertEquals(0, result.deadLetters());
            assertTrue(progress.toString(StandardCharsets.UTF_8).contains("replay: done: "), "a final summary");
            System.out.printf(
                    "ReplayIT replay: %,d records -> %,d events in %.2f s: "
                            + "%,.0f records/s, %,.0f events/s; replay thread %.2f CPU-s (%,.0f records per CPU-s); "
                            + "load average %.1f on %d CPUs%n",
                    result.recordsRead(),
                    result.eventsWritten(),
                    result.elapsed().toNanos() / 1e9,
                    result.recordsPerSecond(),
                    result.eventsPerSecond(),
                    cpuSeconds,
                    result.recordsRead() / cpuSeconds,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                    Runtime.getRuntime().availableProcessors());

            assertEquals(offsetsBefore, offsets(admin), "the live app's committed offsets are untouched");
            assertEquals(groupsBefore, groups(admin), "no consumer group was created");

            // --from: the whole history is read, only events at or after the time are written
            int cut = liveEvents.size() / 2;
            Instant from = occurred(liveEvents.get(cut));
            int status = new CommandLine(new ReplayCommand())
                    .execute("--bootstrap-servers", bootstrap, "--to-topic", FROM_TOPIC, "--from", from.toString());
            assertEquals(0, status);
            List<Out> suffix = readAll(bootstrap, FROM_TOPIC);
            int firstKept = (int) liveEvents.stream()
                    .takeWhile(e -> occurred(e).isBefore(from))
                    .count();
            assertTrue(firstKept <= cut && firstKept > 0);
            assertEquals(
                    liveEvents.subList(firstKept, liveEvents.size()), suffix, "--from writes the live run's suffix");
            assertEquals(offsetsBefore, offsets(admin));
        } finally {
            deleteRecursively(stateDir);
        }
    }

    private static ReplayResult replay(PrintStream err, String... args) throws Exception {
        ReplayCommand command = new ReplayCommand();
        new CommandLine(command).parseArgs(args);
        return command.replay(err, Map.of());
    }

    /** An event as a consumer sees it: key, headers, value. */
    record Out(String key, String headers, String value) {}

    static Instant occurred(Out event) {
        try {
            return Instant.parse(
                    Json.MAPPER.readTree(event.value()).get("occurred").textValue());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Out> readAll(String bootstrap, String topic) {
        try (Reader reader = new Reader(bootstrap, topic)) {
            return reader.toEnd();
        }
    }

    /** {@link CommittedRecords} of one topic, each record as an {@link Out}. */
    static final class Reader implements AutoCloseable {
        private final CommittedRecords records;

        Reader(String bootstrap, String topic) {
            records = new CommittedRecords(bootstrap, topic);
        }

        List<Out> poll() {
            records.poll(Duration.ofMillis(100));
            return outs(records.all());
        }

        List<Out> toEnd() {
            return outs(records.readToEnd(Duration.ofSeconds(60)));
        }

        private static List<Out> outs(List<CommittedRecords.Received> received) {
            return received.stream()
                    .map(r -> new Out(
                            r.key(),
                            r.headers().stream()
                                    .map(h -> h.key() + "=" + h.value() + ";")
                                    .collect(Collectors.joining()),
                            r.value()))
                    .toList();
        }

        @Override
        public void close() {
            records.close();
        }
    }

    private static void awaitCommitted(Admin admin, String bootstrap, Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> end;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            end = consumer.endOffsets(partitions);
        }
        await("the live app committed every CDC offset")
                .atMost(Duration.ofMinutes(1))
                .pollInSameThread()
                .untilAsserted(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = offsets(admin);
                    for (TopicPartition p : partitions) {
                        long at = committed.containsKey(p) ? committed.get(p).offset() : 0;
                        assertTrue(at >= end.get(p), p + " committed " + at + " < " + end.get(p));
                    }
                });
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(Admin admin) throws Exception {
        return new HashMap<>(admin.listConsumerGroupOffsets(APP_ID)
                .partitionsToOffsetAndMetadata()
                .get());
    }

    private static Set<String> groups(Admin admin) throws Exception {
        return admin.listGroups().all().get().stream()
                .map(GroupListing::groupId)
                .collect(Collectors.toSet());
    }

    /** Produces the lines in order, with timestamps 1 ms apart, so that the merge order is the line order. */
    /** The lines' records, in order, into the change stream {@code cdcTopic} (their own topics are information only). */
    static void produce(String bootstrap, String cdcTopic, List<String> lines) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        long t0 = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < lines.size(); i++) {
                FixtureRecord record = FixtureRecord.parse(lines.get(i));
                producer.send(new ProducerRecord<>(cdcTopic, 0, t0 + i, record.key(), record.value()));
            }
            producer.flush();
        }
    }

    /** The offline pipeline ({@code transform}) over the same records: the events every run must give. */
    static List<String> transform(List<String> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        byte[] in = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        new TransformCommand().transform(new ByteArrayInputStream(in), out, err, Map.of());
        assertEquals("", err.toString(StandardCharsets.UTF_8), "no dead letters in the history");
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /**
     * The captured inputs of the deployment, work-pool and work-queue golden cases (ObjectEventsIT) without dead
     * letters, each whole and with rows of its own, in the order they were captured (their first BEGIN's time), so
     * that the history's commit times keep increasing ({@code --from} below relies on it).
     */
    private static List<Path> objectCaptures() throws IOException {
        Set<String> kinds = Set.of("work-pool", "work-queue", "deployment");
        List<Path> inputs = new ArrayList<>(GoldenCases.cases()
                .filter(c -> kinds.contains(c.getParent().getFileName().toString()))
                .filter(c -> !Files.exists(c.resolve("expected-dead-letters.txt")))
                .map(c -> c.resolve("input.jsonl"))
                .toList());
        inputs.sort(Comparator.comparingLong(ReplayIT::firstCommitMillis));
        return inputs;
    }

    private static long firstCommitMillis(Path input) {
        try (var lines = Files.lines(input, StandardCharsets.UTF_8)) {
            return Json.MAPPER
                    .readTree(lines.findFirst().orElseThrow())
                    .path("value")
                    .path("ts_ms")
                    .asLong();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path capture() {
        return CdcCapture.FULL_SCENARIO;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * Debezium-shaped records of a busy {@code variable} table, as Debezium 3.6 writes them with transaction metadata
     * (the captured records' shapes): each transaction a BEGIN, one to three changes (create, update, delete followed
     * by its tombstone) and an END counting them. LSNs and commit times increase and stay before the captured ones.
     */
    static final class VariableHistory {
        private static final long FIRST_LSN = 1_000_000L;
        private static final long FIRST_COMMIT_US =
                Instant.parse("2026-11-01T00:00:00Z").toEpochMilli() * 1000;

        static List<String> generate(int changes, long seed) {
            Random random = new Random(seed);
            List<String> lines = new ArrayList<>();
            List<String> live = new ArrayList<>();
            long lsn = FIRST_LSN;
            long commitUs = FIRST_COMMIT_US;
            int made = 0;
            int created = 0;
            // transaction ids far from the capture's, so that no two transactions share one
            for (long tx = 1_000_000; made < changes; tx++) {
                lsn += 64;
                commitUs += 1_000 + random.nextInt(5_000);
                String beginId = tx + ":" + lsn;
                lines.add(marker(beginId, "BEGIN", -1, commitUs / 1000));
                int size = Math.min(changes - made, 1 + random.nextInt(3));
                List<String> touched = new ArrayList<>();
                int order = 0;
                for (int c = 0; c < size; c++) {
                    lsn += 56;
                    order++;
                    int dice = random.nextInt(10);
                    String id;
                    String op;
                    if (live.size() < 20 || dice < 5) {
                        id = String.format("00000000-0000-4000-9000-%012d", ++created);
                        op = "c";
                        live.add(id);
                    } else {
                        id = live.get(random.nextInt(live.size()));
                        op = dice < 8 || touched.contains(id) ? "u" : "d";
                    }
                    touched.add(id);
                    lines.add(change(op, id, tx, lsn, commitUs, order));
                    if (op.equals("d")) {
                        live.remove(id);
                        lines.add(tombstone(id));
                    }
                }
                made += size;
                lsn += 8;
                lines.add(marker(tx + ":" + lsn, "END", size, commitUs / 1000));
            }
            return lines;
        }

        private static String marker(String id, String status, int count, long tsMs) {
            ObjectNode line = Json.MAPPER.createObjectNode().put("topic", "prefect.transaction");
            line.putObject("key").put("id", id);
            ObjectNode value = line.putObject("value").put("status", status).put("id", id);
            if (count < 0) {
                value.putNull("event_count");
                value.putNull("data_collections");
            } else {
                value.put("event_count", count);
                ArrayNode collections = value.putArray("data_collections");
                collections
                        .addObject()
                        .put("data_collection", "public.variable")
                        .put("event_count", count);
            }
            value.put("ts_ms", tsMs);
            return line.toString();
        }

        private static String change(String op, String id, long tx, long lsn, long commitUs, int order) {
            ObjectNode line = Json.MAPPER.createObjectNode().put("topic", "prefect.public.variable");
            line.putObject("key").put("id", id);
            String created = "2026-11-30T00:00:00." + String.format("%06d", Math.abs(id.hashCode()) % 1_000_000) + "Z";
            ObjectNode before = null;
            ObjectNode after = null;
            if (op.equals("d")) {
                before = Json.MAPPER
                        .createObjectNode()
                        .put("id", id)
                        .put("created", "1970-01-01T00:00:00.000000Z")
                        .put("updated", "1970-01-01T00:00:00.000000Z")
                        .put("name", "")
                        .put("tags", "[]");
                before.putNull("value");
            } else {
                after = Json.MAPPER
                        .createObjectNode()
                        .put("id", id)
                        .put("created", created)
                        .put("updated", Instant.ofEpochMilli(commitUs / 1000).toString())
                        .put("name", "var_" + id.substring(24).replaceFirst("^0+", ""))
                        .put("tags", "[\"load\"]")
                        .put("value", "{\"lsn\": " + lsn + ", \"op\": \"" + op + "\"}");
            }
            line.set("value", DebeziumChange.value("variable", op, before, after, tx, lsn, commitUs, order, order));
            return line.toString();
        }

        private static String tombstone(String id) {
            ObjectNode line = Json.MAPPER.createObjectNode().put("topic", "prefect.public.variable");
            line.putObject("key").put("id", id);
            line.putNull("value");
            return line.toString();
        }
    }
}
