package io.prefectlifecycle.it;

import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppHttp;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.FixtureLines;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar prefect-lifecycle-cdc.jar run} as its own process against a KRaft broker, configured the three
 * ways at once (a file, the environment, flags): the spec's worked examples go in as Debezium records, the events
 * come out (read_committed), {@code /health/ready} turns 200, {@code /metrics} counts them, and SIGTERM stops it
 * with status 0 within {@code shutdown.timeout}.
 */
class RunIT {

    private static final Path SPEC = ProjectPaths.fixture("spec-examples");
    private static final String CDC_TOPIC = TopologySettings.defaults().cdcTopic();
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(20);
    private static final String EVENTS_TOPIC = "run-it.events";
    private static final String DEAD_LETTER_TOPIC = "run-it.dlq";
    /** Lines 1-10 of the examples go in before the app starts (their order matters: schema and key before the
     * document); the rest, independent of each other, while it runs. */
    private static final int BEFORE_START = 10;

    @TempDir
    Path tmp;

    @Test
    void runsServesHealthAndMetricsAndStopsOnSigterm() throws Exception {
        List<String> input = Files.readAllLines(SPEC.resolve("input.jsonl"), StandardCharsets.UTF_8);
        List<String> expected = Files.readAllLines(SPEC.resolve("expected.jsonl"), StandardCharsets.UTF_8);
        try (LocalKafka kafka = LocalKafka.start()) {
            // the CDC topic exists before the app subscribes; the output topics are left to its pre-flight check
            kafka.createTopics(List.of(CDC_TOPIC));
            long firstTimestamp = System.currentTimeMillis() - 60_000;
            produce(kafka, input.subList(0, BEFORE_START), firstTimestamp);

            int port = FreePorts.next();
            Path stateDir = tmp.resolve("state");
            // file < environment < flag: the file's events.topic and state.dir are overridden
            Path file = tmp.resolve("run.properties");
            Files.writeString(
                    file,
                    String.join(
                            "\n",
                            "events.topic=wrong.events",
                            "dead.letter.topic=" + DEAD_LETTER_TOPIC,
                            "state.dir=/proc/not-writable",
                            "kafka.metadata.max.age.ms=5000",
                            ""),
                    StandardCharsets.UTF_8);
            String clientId = "run-it-" + UUID.randomUUID().toString().substring(0, 8);
            Map<String, String> env = Map.of(
                    "PREFECT_CDC_CONFIG_FILE",
                    file.toString(),
                    "PREFECT_CDC_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    "PREFECT_CDC_APPLICATION_ID",
                    "run-it-" + UUID.randomUUID(),
                    "PREFECT_CDC_EVENTS_TOPIC",
                    EVENTS_TOPIC,
                    "KAFKA_CLIENT_ID",
                    clientId);
            Path log = tmp.resolve("run.log");
            Process run = start(
                    env,
                    log,
                    "run",
                    "--http-port=" + port,
                    "--state-dir=" + stateDir,
                    "--shutdown-timeout=" + SHUTDOWN_TIMEOUT);
            try {
                String base = "http://127.0.0.1:" + port;
                List<Integer> readiness = new ArrayList<>();
                await("/health/ready 200")
                        .atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(200))
                        .pollInSameThread()
                        .until(() -> {
                            assertTrue(run.isAlive(), () -> "run exited early:\n" + read(log));
                            int status = AppHttp.status(base + "/health/ready");
                            if (readiness.isEmpty() || readiness.get(readiness.size() - 1) != status) {
                                readiness.add(status);
                            }
                            return status == 200;
                        });
                System.out.println("RunIT: /health/ready went " + readiness + " (-1: not listening yet)");
                assertEquals(200, AppHttp.status(base + "/health/live"));
                assertTrue(Files.exists(stateDir), "the flag's state.dir is used");

                produce(kafka, input.subList(BEFORE_START, input.size()), firstTimestamp + BEFORE_START * 10L);
                heartbeat(kafka); // the fixture has no transaction metadata: Debezium's heartbeat ends its last one
                List<String> events;
                try (CommittedRecords reader = new CommittedRecords(kafka.bootstrapServers(), EVENTS_TOPIC)) {
                    await("15 events")
                            .atMost(Duration.ofSeconds(60))
                            .pollInSameThread()
                            .until(() -> {
                                reader.poll(Duration.ofMillis(500));
                                return reader.all().size() >= expected.size();
                            });
                    events = reader.all().stream()
                            .map(CommittedRecords.Received::value)
                            .toList();
                }
                assertEquals(
                        sorted(expected),
                        sorted(events.stream()
                                .map(e -> e.replaceAll(
                                        "\"id\":\"[0-9a-f-]{36}\",\"follows\":null}$",
                                        "\"id\":\"<ID>\",\"follows\":null}"))
                                .toList()));
                try (var admin = kafka.admin()) {
                    assertFalse(
                            admin.listTopics().names().get().contains("wrong.events"), "the file's events.topic lost");
                }

                Map<String, Integer> byKindAction = new TreeMap<>();
                for (String event : expected) {
                    String name = event.replaceAll(".*\"event\":\"prefect\\.([^\"]+)\".*", "$1");
                    int dot = name.lastIndexOf('.');
                    byKindAction.merge(
                            "prefect_cdc_events_total{action=\"" + name.substring(dot + 1) + "\",kind=\""
                                    + name.substring(0, dot) + "\",source=\"prefect\"}",
                            1,
                            Integer::sum);
                }
                await("metrics")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            String metrics = AppHttp.get(base + "/metrics");
                            Map<String, Double> samples = AppHttp.samples(metrics);
                            byKindAction.forEach(
                                    (sample, count) -> assertEquals(count.doubleValue(), samples.get(sample), sample));
                            assertEquals(
                                    2.0,
                                    samples.get(
                                            "prefect_cdc_ignored_records_total{reason=\"tombstone\",source=\"prefect\"}"));
                            assertEquals(
                                    2.0,
                                    samples.get(
                                            "prefect_cdc_ignored_records_total{reason=\"silent\",source=\"prefect\"}"));
                            assertEquals(
                                    (double) expected.size(),
                                    samples.get("prefect_cdc_event_lag_seconds_count{source=\"prefect\"}"));
                            // Kafka Streams' own metrics, from threads named after the passed-through client.id
                            assertTrue(
                                    samples.keySet().stream()
                                            .anyMatch(
                                                    k -> k.startsWith("kafka_stream_thread_") && k.contains(clientId)),
                                    "kafka_stream_thread_* for " + clientId);
                            assertTrue(
                                    samples.keySet().stream().anyMatch(k -> k.startsWith("kafka_consumer_")),
                                    "kafka_consumer_*");
                            assertTrue(samples.containsKey("jvm_threads_live_threads"), "JVM metrics");
                        });
                String metrics = AppHttp.get(base + "/metrics");
                metrics.lines()
                        .filter(l -> l.startsWith("prefect_cdc_events_total")
                                || l.startsWith("prefect_cdc_event_lag_seconds_count")
                                || l.startsWith("kafka_stream_thread_process_total"))
                        .forEach(l -> System.out.println("RunIT: " + l));
            } finally {
                long t0 = System.nanoTime();
                run.destroy(); // SIGTERM
                boolean exited = run.waitFor(SHUTDOWN_TIMEOUT.toSeconds() + 15, TimeUnit.SECONDS);
                long millis = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("RunIT: run stopped " + millis + " ms after SIGTERM (shutdown.timeout "
                        + SHUTDOWN_TIMEOUT + ")");
                if (!exited) {
                    run.destroyForcibly();
                }
                String output = read(log);
                assertTrue(exited, "run did not exit after SIGTERM:\n" + output);
                assertEquals(0, run.exitValue(), output);
                assertTrue(millis < SHUTDOWN_TIMEOUT.toMillis(), millis + " ms");
                assertTrue(output.contains("SIGTERM received"), output);
                assertTrue(output.contains("Kafka Streams closed in"), output);
                assertFalse(output.contains("wrong.events"), "the file's events.topic is overridden:\n" + output);
            }
        }
    }

    @Test
    void anInvalidSettingStopsWithItsName() throws Exception {
        Path log = tmp.resolve("bad.log");
        Process run = start(Map.of("PREFECT_CDC_HTTP_PORT", "0"), log, "run", "--processing-guarantee=twice");
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "run did not exit");
        String output = read(log);
        assertEquals(2, run.exitValue(), output);
        assertTrue(
                output.contains("processing.guarantee: 'twice' from flag --processing-guarantee must be one of "
                        + "exactly_once_v2, at_least_once"),
                output);
    }

    private static Process start(Map<String, String> env, Path log, String... args) throws IOException {
        return JarLauncher.app()
                .jvm("-Xmx512m")
                .args(args)
                .withoutEnv("PREFECT_CDC_", "KAFKA_", "PREFECT_SERVER_ENCRYPTION_KEY")
                .env(env)
                .log(log)
                .start();
    }

    private static void heartbeat(LocalKafka kafka) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(CDC_TOPIC, null, TopologyHarness.heartbeat(4_000_000_000L)))
                    .get();
        }
    }

    /** Records in file order, into the change stream. */
    private static void produce(LocalKafka kafka, List<String> lines, long firstTimestamp) throws Exception {
        FixtureLines.produce(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                CDC_TOPIC,
                lines,
                firstTimestamp);
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank()).sorted().toList();
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
