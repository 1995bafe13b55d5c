package io.prefectlifecycle.it;

import io.prefectlifecycle.cli.ForwardCommand;
import io.prefectlifecycle.forward.Forwarder;
import io.prefectlifecycle.golden.PrefectOracle;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.GoldenEventsTopic;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.testsupport.KafkaBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code forward} against a real broker and {@link PrefectEventsServer} (Prefect's events API contract; Prefect's
 * server cannot be installed here, ForwardContainersIT runs the real one where Docker is): the events of the real
 * Debezium capture and two deployment captures, written to the events topic in Kafka transactions as the app writes
 * them, forwarded and checked by Prefect's own event model ({@code prefect-event-oracle}, when {@code ../shared} is
 * there). Faults: the server away for 30 s, wrong credentials, an event over Prefect's size limit, a server that emits
 * lifecycle events itself; plus the filter and a restart that resumes from the committed offsets.
 */
class ForwardIT {

    private static final String AUTH = "admin:fw-it-s3cret";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    private static List<String> events;
    private static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void start() throws Exception {
        events = new ArrayList<>(GoldenEventsTopic.captured());
        events.addAll(GoldenEventsTopic.ofGoldenCases(
                "deployment/pause-endpoints-emit-updated", "deployment/updated-fields-in-canonical-order"));
        assertEquals(50, events.size());
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "forward-it");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
    }

    @Test
    void everyEventReachesTheServerOnceAsWrittenAndPassesPrefectsModel() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", AUTH)) {
            String topic = topic("all", Map.of());
            write(topic, events.subList(0, 25));
            producer.beginTransaction();
            producer.send(GoldenEventsTopic.record(
                    topic, events.get(0).replace("db_url", "rolled_back").replace("\"id\":\"01", "\"id\":\"02")));
            producer.flush();
            producer.abortTransaction();
            List<String> rest = new ArrayList<>(events.subList(25, events.size()));
            rest.add(events.get(0)); // a copy, as a replay into the live topic writes it: the server keeps the id once
            write(topic, rest);

            int port = FreePorts.next();
            Running forward = forward(
                    Map.of("PREFECT_API_AUTH_STRING", AUTH),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-all",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    server.apiUrl().toString(),
                    "--from-beginning",
                    "--batch-size",
                    "7",
                    "--http-port",
                    Integer.toString(port));
            await("every event forwarded")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> server.events().size() == events.size() && unforwarded("forward-it-all", topic) == 0);

            Map<String, String> received = server.events().stream()
                    .collect(Collectors.toMap(PrefectEventsServer.Received::id, PrefectEventsServer.Received::json));
            assertEquals(
                    events.stream().collect(Collectors.toMap(GoldenEventsTopic::id, e -> e)),
                    received,
                    "each committed event once, its bytes as the app wrote them; not the aborted one");
            assertEquals(1, server.duplicates(), "the copy was sent and dropped by id");
            assertEquals(
                    events.size() + 1,
                    server.batchSizes().stream().mapToInt(Integer::intValue).sum());
            assertTrue(
                    server.batchSizes().stream().allMatch(n -> n <= 7),
                    server.batchSizes().toString());
            assertEquals(0, server.unauthorized(), "Basic base64(auth string) on every call");

            assertEquals("200 {\"status\":\"UP\",\"state\":\"RUNNING\"}", get(port, "/health/ready"));
            String metrics = get(port, "/metrics");
            assertTrue(metrics.contains("prefect_cdc_forward_events_total{outcome=\"sent\"} 51.0"), metrics);
            assertTrue(metrics.contains("prefect_cdc_forward_events_total{outcome=\"dead_letter\"} 0.0"), metrics);
            assertTrue(metrics.contains("prefect_cdc_forward_server_up 1.0"), metrics);
            assertTrue(metrics.contains("prefect_cdc_forward_event_lag_seconds_count 51"), metrics);

            Optional<String> noOracle = PrefectOracle.unavailable();
            if (noOracle.isPresent()) {
                System.out.println("ForwardIT: " + noOracle.get() + ": the server's own checks only, Prefect's model "
                        + "not run on the forwarded events");
            } else {
                PrefectOracle.Verdict verdict = PrefectOracle.check(server.events().stream()
                        .map(PrefectEventsServer.Received::json)
                        .toList());
                assertEquals(0, verdict.exitCode(), verdict.output());
                assertTrue(verdict.output().contains("50/50 events pass"), verdict.output());
            }
            assertEquals(0, forward.stop());
        }
    }

    /**
     * 15 s of connection refused, then 15 s of 503 (a proxy in front of a server that is starting), while events keep
     * arriving: nothing is committed past what the server accepted, and once it is back every event arrives.
     * Retries wait at most 2 s here, so that the test does not wait out a 30 s back-off at the end.
     */
    @Test
    void aServerAwayFor30SecondsLosesNothing() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", null)) {
            String topic = topic("outage", Map.of());
            int port = FreePorts.next();
            Running forward = forward(
                    Map.of(),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-outage",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    server.apiUrl().toString(),
                    "--from-beginning",
                    "--max-retry-interval",
                    "PT2S",
                    "--http-port",
                    Integer.toString(port));
            write(topic, events.subList(0, 10));
            await("the first events")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> server.events().size() == 10 && unforwarded("forward-it-outage", topic) == 0);

            server.down();
            write(topic, events.subList(10, 30));
            await("connection refused for 15 s: nothing arrives, nothing is committed")
                    .during(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> server.events().size() == 10 && unforwarded("forward-it-outage", topic) == 20);
            assertEquals("503 {\"status\":\"DOWN\",\"state\":\"RETRYING\"}", get(port, "/health/ready"));
            assertTrue(get(port, "/health/live").startsWith("200 "), "alive while it waits: a restart would not help");

            server.failWith(503);
            write(topic, events.subList(30, events.size()));
            await("503 for 15 s: nothing arrives, nothing is committed")
                    .during(Duration.ofSeconds(15))
                    .atMost(Duration.ofSeconds(20))
                    .until(() -> server.events().size() == 10 && unforwarded("forward-it-outage", topic) == 40);

            server.up();
            await("every event once the server is back")
                    .atMost(Duration.ofSeconds(30))
                    .until(() ->
                            server.events().size() == events.size() && unforwarded("forward-it-outage", topic) == 0);
            assertEquals(
                    ids(events),
                    server.events().stream()
                            .map(PrefectEventsServer.Received::id)
                            .collect(Collectors.toSet()),
                    "no event lost");
            String metrics = get(port, "/metrics");
            assertTrue(metric(metrics, "prefect_cdc_forward_requests_total{result=\"unreachable\"}") >= 2, metrics);
            assertTrue(metric(metrics, "prefect_cdc_forward_requests_total{result=\"server_error\"}") >= 2, metrics);
            assertEquals(1.0, metric(metrics, "prefect_cdc_forward_server_up"));
            assertEquals("200 {\"status\":\"UP\",\"state\":\"RUNNING\"}", get(port, "/health/ready"));
            assertEquals(0, forward.stop());
        }
    }

    /** The jar as an operator runs it: one line naming the variable, never its value, and exit status 1. */
    @Test
    void wrongCredentialsStopItWithOneLineAndExitStatus1() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", AUTH)) {
            String topic = topic("unauthorized", Map.of());
            write(topic, events.subList(0, 3));
            String secret = "admin:wr0ng-s3cret";
            Path log = ProjectPaths.root().resolve("streams-app/target/forward-it/unauthorized.log");
            Process process = forwardJar(
                    List.of(
                            "forward",
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--topic",
                            topic,
                            "--prefect-api-url",
                            server.apiUrl().toString(),
                            "--http-port",
                            "0"),
                    Map.of("PREFECT_API_AUTH_STRING", secret),
                    log);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "forward stops by itself");
            assertEquals(1, process.exitValue());
            String output = Files.readString(log);
            URI url = server.apiUrl();
            List<String> lines =
                    output.lines().filter(l -> l.startsWith("forward: ")).toList();
            assertEquals(
                    List.of("forward: the Prefect server at " + url + " refused GET " + url + "/admin/version "
                            + "with HTTP 401 Unauthorized using the auth string in PREFECT_API_AUTH_STRING: set "
                            + "PREFECT_API_AUTH_STRING to the server's PREFECT_SERVER_API_AUTH_STRING, or PREFECT_API_KEY for "
                            + "Prefect Cloud"),
                    lines,
                    output);
            assertFalse(output.contains("wr0ng-s3cret"), output);
            assertFalse(output.contains(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8))));
            assertEquals(List.of(), server.events());

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(
                    1,
                    parse(withBootstrap("--topic", topic, "--prefect-api-url", url.toString(), "--http-port", "0"))
                            .execute(Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8), f -> {}));
            assertTrue(
                    err.toString(StandardCharsets.UTF_8)
                            .contains(
                                    "with HTTP 401 Unauthorized using no credentials "
                                            + "(none of PREFECT_API_AUTH_STRING, PREFECT_SERVER_API_AUTH_STRING, PREFECT_API_KEY is set)"),
                    err.toString(StandardCharsets.UTF_8));
        }
    }

    /**
     * An event over Prefect's 1,500,000 bytes (the server would drop it without a word) and a record that is no event
     * go to the dead-letter topic with their reasons; the events around them are forwarded.
     */
    @Test
    void anOversizeEventIsDeadLetteredAndTheRestGoOn() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", null)) {
            // one partition: the records keep the order they are written in
            String topic = topic("oversize", Map.of("max.message.bytes", Integer.toString(4 * 1024 * 1024)), 1);
            String big = events.get(0)
                    .replace("\"value\":\"postgres://db:5432/app\"", "\"value\":\"" + "x".repeat(1_600_000) + "\"")
                    .replace("\"id\":\"01", "\"id\":\"04");
            assertTrue(big.length() > 1_600_000);
            producer.beginTransaction();
            producer.send(GoldenEventsTopic.record(topic, events.get(1)));
            producer.send(GoldenEventsTopic.record(topic, big));
            producer.send(new ProducerRecord<>(
                    topic, "k".getBytes(StandardCharsets.UTF_8), "not an event".getBytes(StandardCharsets.UTF_8)));
            producer.send(GoldenEventsTopic.record(topic, events.get(2)));
            producer.commitTransaction();

            int port = FreePorts.next();
            Running forward = forward(
                    Map.of(),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-oversize",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    server.apiUrl().toString(),
                    "--from-beginning",
                    "--http-port",
                    Integer.toString(port));
            await("the two events forwarded")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> server.events().size() == 2 && unforwarded("forward-it-oversize", topic) == 0);
            assertEquals(
                    Set.of(GoldenEventsTopic.id(events.get(1)), GoldenEventsTopic.id(events.get(2))),
                    server.events().stream()
                            .map(PrefectEventsServer.Received::id)
                            .collect(Collectors.toSet()));

            List<CommittedRecords.Received> dead;
            try (CommittedRecords dlq = new CommittedRecords(kafka.bootstrapServers(), topic + ".dlq")) {
                dead = dlq.readToEnd(Duration.ofSeconds(30));
            }
            assertEquals(2, dead.size());
            CommittedRecords.Received oversize = dead.get(0);
            assertEquals(GoldenEventsTopic.resourceId(big), oversize.key());
            assertEquals(null, oversize.value(), "left out: it stays at its source offset");
            assertEquals(topic, oversize.header("dlq.source.topic"));
            assertEquals("1", oversize.header("dlq.source.offset"));
            assertEquals("EventTooLarge", oversize.header("dlq.exception.class"));
            assertTrue(oversize.header("dlq.reason").startsWith("the event is 1,600,"), oversize.header("dlq.reason"));
            assertTrue(
                    oversize.header("dlq.reason")
                            .contains("over the Prefect server's limit of 1,500,000 "
                                    + "(PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES)"),
                    oversize.header("dlq.reason"));
            CommittedRecords.Received notAnEvent = dead.get(1);
            assertEquals("not an event", notAnEvent.value());
            assertEquals("not a Prefect event: not JSON", notAnEvent.header("dlq.reason"));
            assertEquals("2", notAnEvent.header("dlq.source.offset"));
            assertEquals(
                    2.0, metric(get(port, "/metrics"), "prefect_cdc_forward_events_total{outcome=\"dead_letter\"}"));
            assertEquals(0, forward.stop());
        }
    }

    @Test
    void serversThatEmitLifecycleEventsThemselvesAreRefusedUnlessAllowed() throws Exception {
        String topic = topic("native", Map.of());
        write(topic, events.subList(0, 5));
        try (PrefectEventsServer native374 = PrefectEventsServer.start("3.7.4", null);
                PrefectEventsServer dev = PrefectEventsServer.start("3.8.4.dev6", null);
                PrefectEventsServer old = PrefectEventsServer.start("2.16.8", null)) {
            assertEquals(
                    "forward: Prefect 3.7.4 at " + native374.apiUrl() + " emits lifecycle events itself (since "
                            + "3.7.4): forwarded, each change would show twice, with different ids; give --allow-native to "
                            + "forward anyway",
                    refused(topic, native374));
            assertTrue(refused(topic, dev).startsWith("forward: Prefect 3.8.4.dev6 at "));
            assertEquals(
                    "forward: Prefect 2.16.8 at " + old.apiUrl() + " has no events API (POST /api/events, since "
                            + "2.16.9): nothing can be forwarded to it",
                    refused(topic, old));
            assertEquals(List.of(), native374.events());

            Running allowed = forward(
                    Map.of(),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-native",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    native374.apiUrl().toString(),
                    "--from-beginning",
                    "--allow-native",
                    "--http-port",
                    "0");
            await("forwarded with --allow-native")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> native374.events().size() == 5);
            assertEquals(0, allowed.stop());
        }
    }

    @Test
    void theFilterForwardsOnlyMatchingEventsAndCommitsPastTheOthers() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", null)) {
            String topic = topic("filter", Map.of());
            write(topic, events);
            int port = FreePorts.next();
            Running forward = forward(
                    Map.of(),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-filter",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    server.apiUrl().toString(),
                    "--from-beginning",
                    "--event",
                    "prefect.block-document.*",
                    "--event",
                    "!prefect.block-document.deleted",
                    "--http-port",
                    Integer.toString(port));
            List<String> documents = events.stream()
                    .filter(e -> e.contains("\"event\":\"prefect.block-document.")
                            && !e.contains("\"event\":\"prefect.block-document.deleted\""))
                    .toList();
            assertEquals(6, documents.size());
            await("the matching events forwarded, the others committed past")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> server.events().size() == 6 && unforwarded("forward-it-filter", topic) == 0);
            assertEquals(
                    ids(documents),
                    server.events().stream()
                            .map(PrefectEventsServer.Received::id)
                            .collect(Collectors.toSet()));
            assertEquals(44.0, metric(get(port, "/metrics"), "prefect_cdc_forward_events_total{outcome=\"filtered\"}"));
            assertEquals(0, forward.stop());
        }
    }

    /**
     * The jar stopped by SIGTERM (exit status 0) and started again with the same group: it goes on from its committed
     * offsets, so the server receives each event once, none again.
     */
    @Test
    void aRestartResumesFromTheCommittedOffsets() throws Exception {
        try (PrefectEventsServer server = PrefectEventsServer.start("3.6.0", null)) {
            String topic = topic("restart", Map.of());
            write(topic, events.subList(0, 20));
            List<String> args = List.of(
                    "forward",
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--topic",
                    topic,
                    "--group-id",
                    "forward-it-restart",
                    "--dead-letter-topic",
                    topic + ".dlq",
                    "--prefect-api-url",
                    server.apiUrl().toString(),
                    "--from-beginning",
                    "--http-port",
                    "0");
            Path log = ProjectPaths.root().resolve("streams-app/target/forward-it/restart-1.log");
            Process first = forwardJar(args, Map.of(), log);
            try {
                await("the first 20")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> server.events().size() == 20 && unforwarded("forward-it-restart", topic) == 0);
            } finally {
                first.destroy(); // SIGTERM
            }
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, first.exitValue(), Files.readString(log));

            write(topic, events.subList(20, events.size()));
            assertEquals(30, unforwarded("forward-it-restart", topic));
            Path log2 = ProjectPaths.root().resolve("streams-app/target/forward-it/restart-2.log");
            Process second = forwardJar(args, Map.of(), log2);
            try {
                await("the other 30")
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> server.events().size() == events.size()
                                && unforwarded("forward-it-restart", topic) == 0);
            } finally {
                second.destroy();
            }
            assertTrue(second.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, second.exitValue(), Files.readString(log2));
            assertEquals(0, server.duplicates(), "nothing sent twice");
            assertEquals(
                    events.size(),
                    server.batchSizes().stream().mapToInt(Integer::intValue).sum());
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    /** forward in this JVM, until {@link #stop()}. */
    private record Running(
            CompletableFuture<Integer> exit, AtomicReference<Forwarder> forwarder, ByteArrayOutputStream err) {
        int stop() throws Exception {
            await("forward started").atMost(Duration.ofSeconds(30)).until(() -> forwarder.get() != null);
            forwarder.get().stop();
            return exit.get(30, TimeUnit.SECONDS);
        }
    }

    private static Running forward(Map<String, String> env, String... args) {
        ForwardCommand command = parse(withBootstrap(args));
        AtomicReference<Forwarder> forwarder = new AtomicReference<>();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(
                () -> command.execute(env, new PrintStream(err, true, StandardCharsets.UTF_8), forwarder::set));
        return new Running(exit, forwarder, err);
    }

    /**
     * {@code java -jar … forward …} as an operator runs it: output to {@code log}, the environment cleaned of
     * {@code PREFECT_*} and {@code KAFKA_*} variables, then {@code env}.
     */
    private static Process forwardJar(List<String> args, Map<String, String> env, Path log) throws IOException {
        return JarLauncher.app()
                .jvm("-Xmx256m")
                .args(args)
                .withoutEnv("PREFECT_", "KAFKA_")
                .env(env)
                .log(log)
                .start();
    }

    /** Runs forward against a server that it must refuse; returns its one line. */
    private static String refused(String topic, PrefectEventsServer server) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = parse(withBootstrap(
                        "--topic", topic, "--prefect-api-url", server.apiUrl().toString(), "--http-port", "0"))
                .execute(Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8), f -> {});
        assertEquals(1, status, err.toString(StandardCharsets.UTF_8));
        return err.toString(StandardCharsets.UTF_8).strip();
    }

    private static String[] withBootstrap(String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        return all.toArray(String[]::new);
    }

    private static ForwardCommand parse(String... args) {
        ForwardCommand command = new ForwardCommand();
        new CommandLine(command)
                .registerConverter(Duration.class, Duration::parse)
                .parseArgs(args);
        return command;
    }

    /** {@code forward-it-<name>} with 3 partitions (events keyed by resource, as the app writes them), and its DLQ. */
    private static String topic(String name, Map<String, String> config) throws Exception {
        return topic(name, config, 3);
    }

    private static String topic(String name, Map<String, String> config, int partitions) throws Exception {
        String topic = "forward-it-" + name;
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(
                            new NewTopic(topic, partitions, (short) 1).configs(config),
                            new NewTopic(topic + ".dlq", 1, (short) 1).configs(config)))
                    .all()
                    .get();
        }
        return topic;
    }

    private static void write(String topic, List<String> toWrite) {
        producer.beginTransaction();
        toWrite.forEach(event -> producer.send(GoldenEventsTopic.record(topic, event)));
        producer.commitTransaction();
    }

    /**
     * How many committed records of the topic come after the group's committed offsets: what is not forwarded yet
     * (commit markers of transactions are not records, so this is 0 exactly when everything is).
     */
    private static int unforwarded(String group, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Admin admin = kafka.admin()) {
            committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
        }
        Map<String, Object> config = new HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                8 * 1024 * 1024));
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            for (TopicPartition p : partitions) {
                OffsetAndMetadata at = committed.get(p);
                consumer.seek(p, at == null ? 0 : at.offset());
            }
            int count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                        count++;
                    }
                }
            }
            return count;
        }
    }

    private static Set<String> ids(List<String> events) {
        return events.stream().map(GoldenEventsTopic::id).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return path.equals("/metrics")
                ? response.body()
                : response.statusCode() + " " + response.body().strip();
    }

    private static double metric(String scrape, String sample) {
        return scrape.lines()
                .filter(l -> l.startsWith(sample + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .findFirst()
                .orElse(-1);
    }
}
