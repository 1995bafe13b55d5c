package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run of the shaded jar ({@code run}, its own JVM, exactly-once v2) over records produced beforehand, in order, to
 * the change stream of their own topic prefix ({@code <name>.cdc}): stdout and stderr captured to a log file,
 * {@code /metrics} scraped once everything is consumed, then SIGTERM. What a consumer reads ({@code read_committed})
 * from the events and dead-letter topics is kept. Several runs can share a broker: each has its prefix, output topics
 * and application id.
 */
public final class JarRun {

    /** One record of the change stream, as a line of a golden file gives it (its topic is information only). */
    public record In(byte[] key, byte[] value) {}

    public record Result(
            List<CommittedRecords.Received> events,
            List<CommittedRecords.Received> deadLetters,
            Map<String, Double> metrics,
            String metricsText,
            Path log,
            int exitCode,
            double processSeconds,
            String eventsTopic,
            String deadLetterTopic,
            List<String> cdcTopics,
            String applicationId) {

        /** The sum of a metric's samples whose label text contains {@code labels} ("" for all). */
        public double metric(String name, String labels) {
            return metrics.entrySet().stream()
                    .filter(e -> (e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
                            && e.getKey().contains(labels))
                    .mapToDouble(Map.Entry::getValue)
                    .sum();
        }

        public List<String> eventValues() {
            return events.stream().map(CommittedRecords.Received::value).toList();
        }
    }

    private JarRun() {}

    /**
     * @param name   the run's name: topic prefix, application id and log file
     * @param env    environment of the app on top of a cleaned copy of this one (no PREFECT_* variables)
     * @return offsets of the produced records, in order
     */
    public static Result run(LocalKafka kafka, String name, List<In> records, Map<String, String> env, Path workDir)
            throws Exception {
        String prefix = name;
        String eventsTopic = name + ".lifecycle-events";
        String deadLetterTopic = name + ".lifecycle-events.dlq";
        String cdcTopic = TopologySettings.cdcTopicOf(prefix);
        kafka.createTopics(List.of(cdcTopic, eventsTopic, deadLetterTopic));
        long produceStart = System.nanoTime();
        produce(kafka.bootstrapServers(), cdcTopic, records);
        System.out.printf(
                "JarRun %s: produced %,d records in %.1f s%n",
                name, records.size(), (System.nanoTime() - produceStart) / 1e9);

        int port = FreePorts.next();
        Path log = ProjectPaths.root().resolve("streams-app/target/jar-run-" + name + ".log");
        Path stateDir = Files.createTempDirectory(workDir, name + "-state-");
        String applicationId = name + "-app";
        JarLauncher launcher = JarLauncher.app()
                .jvm("-Xmx512m")
                .args(
                        "run",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--state-dir",
                        stateDir.toString(),
                        "--application-id",
                        applicationId,
                        "--topic-prefix",
                        prefix,
                        "--events-topic",
                        eventsTopic,
                        "--dead-letter-topic",
                        deadLetterTopic,
                        "--http-port",
                        Integer.toString(port))
                .withoutEnv("PREFECT_", "ORION_", "KAFKA_")
                .env(env)
                .log(log);
        long t0 = System.nanoTime();
        Process app = launcher.start();
        String[] lastBehind = {""};
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, Long> ends = admin
                    .listOffsets(
                            Map.of(new TopicPartition(cdcTopic, 0), org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .all()
                    .get()
                    .entrySet()
                    .stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().offset()));
            await().conditionEvaluationListener(c -> {
                        if (c.getRemainingTimeInMS() <= 0) {
                            System.out.println("JarRun " + name + ": behind: " + lastBehind[0]);
                        }
                    })
                    .alias(name + ": the app commits past every CDC record it reads")
                    .atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> {
                        assertTrue(app.isAlive(), () -> name + ": the app exited: " + tail(log));
                        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                                .partitionsToOffsetAndMetadata()
                                .get();
                        List<String> behind = ends.entrySet().stream()
                                .filter(e -> e.getValue() > 0
                                        && (committed.get(e.getKey()) == null
                                                || committed.get(e.getKey()).offset() < e.getValue()))
                                .map(e -> e.getKey() + " committed " + committed.get(e.getKey()) + " < end "
                                        + e.getValue())
                                .toList();
                        lastBehind[0] = behind.toString();
                        return behind.isEmpty();
                    });
            double processSeconds = (System.nanoTime() - t0) / 1e9;
            // the counters are updated as records are processed: committed offsets mean they are final
            String metricsText = AppHttp.get("http://127.0.0.1:" + port + "/metrics");
            List<CommittedRecords.Received> events;
            List<CommittedRecords.Received> deadLetters;
            try (CommittedRecords e = new CommittedRecords(kafka.bootstrapServers(), eventsTopic);
                    CommittedRecords d = new CommittedRecords(kafka.bootstrapServers(), deadLetterTopic)) {
                events = e.readToEnd(Duration.ofSeconds(60));
                deadLetters = d.readToEnd(Duration.ofSeconds(60));
            }
            assertTrue(app.isAlive(), () -> name + ": the app is still running: " + tail(log));
            app.destroy(); // SIGTERM
            assertTrue(app.waitFor(60, TimeUnit.SECONDS), name + ": the app stops on SIGTERM");
            return new Result(
                    events,
                    deadLetters,
                    AppHttp.samples(metricsText),
                    metricsText,
                    log,
                    app.exitValue(),
                    processSeconds,
                    eventsTopic,
                    deadLetterTopic,
                    List.of(cdcTopic),
                    applicationId);
        } finally {
            if (app.isAlive()) {
                app.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** In order, as Debezium writes the change stream (after what the topic already holds). */
    public static void produce(String bootstrap, String topic, List<In> records) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // not idempotent: on a topic created a moment ago the first sends can meet NotLeaderOrFollower, and the
        // retried idempotent batches then fail with OutOfOrderSequence; one request in flight keeps the order instead
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 32 * 1024 * 1024); // as far as the topic allows
        long t0 = System.currentTimeMillis() - records.size() - 60_000;
        List<Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>(records.size());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            await("a leader for " + topic)
                    .atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> producer.partitionsFor(topic).stream().allMatch(p -> p.leader() != null));
            for (int i = 0; i < records.size(); i++) {
                In r = records.get(i);
                sent.add(producer.send(new ProducerRecord<>(topic, 0, t0 + i, r.key(), r.value())));
            }
            producer.flush();
        }
        long first = sent.isEmpty() ? 0 : sent.get(0).get().offset();
        for (int i = 0; i < records.size(); i++) {
            assertEquals(first + i, sent.get(i).get().offset(), "offsets follow production order");
        }
    }

    public static In in(byte[] key, byte[] value) {
        return new In(key, value);
    }

    public static String tail(Path log) {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
