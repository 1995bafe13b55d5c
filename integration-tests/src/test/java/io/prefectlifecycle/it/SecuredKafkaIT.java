package io.prefectlifecycle.it;

import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalKafka.ScramUser;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppHttp;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.FixtureLines;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.testsupport.KafkaBroker;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app against a secured broker (SASL/SCRAM-SHA-512, ACLs enforced by StandardAuthorizer), as a user runs it: the
 * shaded jar as its own process, the credentials in {@code KAFKA_*} environment variables, and a principal holding
 * exactly the ACLs docs/operations.md lists. {@code run} turns the spec's worked examples into the events
 * {@code transform} gives; {@code replay} and {@code tail} work with the same kind of credentials. Without
 * credentials, with a wrong password, or with one ACL missing, {@code run} stops within seconds, status 1, with a line
 * naming the problem, and no password ever appears in the output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredKafkaIT {

    private static final Path SPEC = ProjectPaths.fixture("spec-examples");
    private static final String APP_ID = "prefect-lifecycle-cdc";
    private static final TopologySettings TOPICS = TopologySettings.defaults();
    private static final String REPLAY_TOPIC = TOPICS.eventsTopic() + ".replay";
    /** Lines 1-10 go in before the app starts (schema and key before the document), the rest while it runs. */
    private static final int BEFORE_START = 10;
    /** Generous: the pre-flight timeout is 30 s; a fail-fast run exits long before it, JVM start included. */
    private static final Duration FAIL_FAST = Duration.ofSeconds(20);

    private static final ScramUser ADMIN = new ScramUser("admin", "admin-" + UUID.randomUUID());
    private static final ScramUser APP = new ScramUser("prefect-cdc", "app-secret-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_CDC_READ = new ScramUser("no-cdc-read", "nocdc-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_EVENTS_WRITE = new ScramUser("no-write", "nowrite-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_EVENTS_ACL =
            new ScramUser("no-events-acl", "noacl-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_TRANSACTIONS = new ScramUser("no-txn", "notxn-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_GROUP = new ScramUser("no-group", "nogroup-" + UUID.randomUUID());
    private static final ScramUser APP_WITHOUT_INTERNAL =
            new ScramUser("no-internal", "nointernal-" + UUID.randomUUID());
    private static final ScramUser READER = new ScramUser("events-reader", "reader-" + UUID.randomUUID());
    private static final List<String> PASSWORDS = List.of(
            ADMIN.password(),
            APP.password(),
            APP_WITHOUT_CDC_READ.password(),
            APP_WITHOUT_EVENTS_WRITE.password(),
            APP_WITHOUT_EVENTS_ACL.password(),
            APP_WITHOUT_TRANSACTIONS.password(),
            APP_WITHOUT_GROUP.password(),
            APP_WITHOUT_INTERNAL.password(),
            READER.password());

    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*");

    @RegisterExtension
    static final KafkaBroker kafka = KafkaBroker.secured(ADMIN);

    private static Path tmp;
    private static List<String> input;
    private static final Map<String, String> timings = new LinkedHashMap<>();

    @BeforeAll
    static void secureBroker() throws Exception {
        // the broker started just before (KafkaBroker): its time counts in the figures below
        long t0 = System.nanoTime() - kafka.startedIn().toNanos();
        tmp = Files.createTempDirectory("secured-kafka-it-");
        timings.put("secured broker up", ms(kafka.startedIn().toNanos()));
        for (ScramUser user : List.of(
                APP,
                APP_WITHOUT_CDC_READ,
                APP_WITHOUT_EVENTS_WRITE,
                APP_WITHOUT_EVENTS_ACL,
                APP_WITHOUT_TRANSACTIONS,
                APP_WITHOUT_GROUP,
                APP_WITHOUT_INTERNAL,
                READER)) {
            kafka.addScramUser(user);
        }
        input = Files.readAllLines(SPEC.resolve("input.jsonl"), StandardCharsets.UTF_8);
        kafka.createTopics(List.of(TOPICS.cdcTopic(), TOPICS.eventsTopic(), TOPICS.deadLetterTopic(), REPLAY_TOPIC));
        try (Admin admin = kafka.admin()) {
            List<AclBinding> acls = new ArrayList<>();
            acls.addAll(MinimalAcls.forApp(APP.name(), APP_ID, TOPICS, List.of(REPLAY_TOPIC)));
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_CDC_READ.name(), APP_ID, TOPICS, List.of()),
                    b -> b.pattern().resourceType() == ResourceType.TOPIC
                            && b.pattern().name().equals(TOPICS.cdcTopic())));
            // WRITE on the events topic replaced by DESCRIBE: the topic is visible, writing is not allowed
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_EVENTS_WRITE.name(), APP_ID, TOPICS, List.of()),
                    b -> b.pattern().name().equals(TOPICS.eventsTopic())));
            acls.add(new AclBinding(
                    new ResourcePattern(ResourceType.TOPIC, TOPICS.eventsTopic(), PatternType.LITERAL),
                    new AccessControlEntry(
                            "User:" + APP_WITHOUT_EVENTS_WRITE.name(),
                            "*",
                            AclOperation.DESCRIBE,
                            AclPermissionType.ALLOW)));
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_EVENTS_ACL.name(), APP_ID, TOPICS, List.of()),
                    b -> b.pattern().name().equals(TOPICS.eventsTopic())));
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_TRANSACTIONS.name(), APP_ID, TOPICS, List.of()),
                    b -> b.pattern().resourceType() == ResourceType.TRANSACTIONAL_ID));
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_GROUP.name(), APP_ID, TOPICS, List.of()),
                    b -> b.pattern().resourceType() == ResourceType.GROUP));
            acls.addAll(without(
                    MinimalAcls.forApp(APP_WITHOUT_INTERNAL.name(), "internal-" + APP_ID, TOPICS, List.of()),
                    b -> b.pattern().resourceType() == ResourceType.TOPIC
                            && b.pattern().name().equals("internal-" + APP_ID)));
            acls.addAll(MinimalAcls.forReader(READER.name(), TOPICS.eventsTopic()));
            admin.createAcls(acls).all().get();
            await("ACLs")
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> admin.describeAcls(AclBindingFilter.ANY)
                                    .values()
                                    .get()
                                    .size()
                            >= acls.size());
        }
        timings.put("users, topics, ACLs ready", ms(System.nanoTime() - t0));
        long version = System.nanoTime();
        Process baseline = JarLauncher.app()
                .jvm("-Xmx512m")
                .args("version")
                .output(ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(baseline.waitFor(60, TimeUnit.SECONDS));
        timings.put("baseline: java -jar … version (JVM start and exit)", ms(System.nanoTime() - version));
    }

    @AfterAll
    static void stop() throws IOException {
        timings.forEach((what, value) -> System.out.printf("SecuredKafkaIT %-58s %s%n", what, value));
        if (tmp != null) {
            try (var paths = Files.walk(tmp)) {
                paths.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void runWithTheMinimalAclsProducesTheEventsTransformGives() throws Exception {
        produce(input.subList(0, BEFORE_START), System.currentTimeMillis() - 60_000);
        int port = FreePorts.next();
        Path log = tmp.resolve("run.log");
        long t0 = System.nanoTime();
        Process run = start(log, credentials(APP), "run", "--http-port=" + port, "--state-dir=" + tmp.resolve("state"));
        List<String> events;
        try {
            await("/health/ready 200")
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .pollInSameThread()
                    .until(() -> {
                        assertTrue(run.isAlive(), () -> "run exited early:\n" + read(log));
                        return AppHttp.status("http://127.0.0.1:" + port + "/health/ready") == 200;
                    });
            timings.put("run with credentials: start -> ready", ms(System.nanoTime() - t0));
            produce(input.subList(BEFORE_START, input.size()), System.currentTimeMillis() - 50_000);
            // the fixture has no transaction metadata: Debezium's heartbeat ends its last transaction
            produce(
                    List.of("{\"topic\":\"prefect.cdc\",\"key\":null,\"value\":"
                            + new String(TopologyHarness.heartbeat(4_000_000_000L), StandardCharsets.UTF_8) + "}"),
                    System.currentTimeMillis() - 40_000);
            List<String> expected = transform(input);
            events = readCommitted(TOPICS.eventsTopic(), expected.size(), Duration.ofSeconds(90));
            timings.put("run with credentials: start -> " + events.size() + " events", ms(System.nanoTime() - t0));
            assertEquals(sorted(expected), sorted(events), "the events transform gives, ids included");
            assertFalse(expected.isEmpty());
        } finally {
            run.destroy();
            assertTrue(run.waitFor(60, TimeUnit.SECONDS), "run stops on SIGTERM");
        }
        String output = read(log);
        assertEquals(0, run.exitValue(), output);
        assertNoPassword(output);
    }

    @Test
    @Order(2)
    void replayWithTheAppsCredentialsGivesTheSameEvents() throws Exception {
        List<String> live = readCommitted(TOPICS.eventsTopic(), 1, Duration.ofSeconds(30));
        Path config = tmp.resolve("client.properties");
        Properties props = new Properties();
        props.putAll(APP.clientSettings());
        try (var out = Files.newOutputStream(config)) {
            props.store(out, null);
        }
        Path log = tmp.resolve("replay.log");
        long t0 = System.nanoTime();
        Process replay = start(
                log,
                Map.of(),
                "replay",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--command-config",
                config.toString());
        assertTrue(replay.waitFor(120, TimeUnit.SECONDS), "replay finished");
        timings.put("replay with --command-config", ms(System.nanoTime() - t0));
        String output = read(log);
        assertEquals(0, replay.exitValue(), output);
        assertEquals(
                sorted(readCommitted(TOPICS.eventsTopic(), live.size(), Duration.ofSeconds(30))),
                sorted(readCommitted(REPLAY_TOPIC, live.size(), Duration.ofSeconds(30))),
                "replay = live");
        assertNoPassword(output);
    }

    @Test
    @Order(3)
    void tailWithAReadersCredentialsPrintsTheEvents() throws Exception {
        List<String> live = readCommitted(TOPICS.eventsTopic(), 1, Duration.ofSeconds(30));
        Path log = tmp.resolve("tail.log");
        Path out = tmp.resolve("tail.out");
        long t0 = System.nanoTime();
        Process tail = start(
                log,
                out,
                credentials(READER),
                "tail",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--from-beginning",
                "--exit-at-end");
        assertTrue(tail.waitFor(120, TimeUnit.SECONDS), "tail finished");
        timings.put("tail --exit-at-end with KAFKA_* credentials", ms(System.nanoTime() - t0));
        String output = read(log);
        assertEquals(0, tail.exitValue(), output);
        assertEquals(live, Files.readAllLines(out, StandardCharsets.UTF_8));
        assertNoPassword(output);
    }

    @Test
    @Order(4)
    void withoutAnyKafkaSettingsRunStopsAtOnce() throws Exception {
        failsFast("no client settings (PLAINTEXT to a SASL listener)", Map.of(), "requires authentication");
    }

    @Test
    @Order(5)
    void withSaslButNoJaasConfigRunStopsAtOnce() throws Exception {
        Map<String, String> env = new HashMap<>(credentials(APP));
        env.remove("KAFKA_SASL_JAAS_CONFIG");
        failsFast("SASL_PLAINTEXT + SCRAM, no sasl.jaas.config", env, "sasl.jaas.config");
    }

    @Test
    @Order(6)
    void withAWrongPasswordRunStopsAtOnce() throws Exception {
        ScramUser wrong = new ScramUser(APP.name(), "wrong-" + UUID.randomUUID());
        failsFast("wrong password", credentials(wrong), "authentication failed", wrong.password());
    }

    @Test
    @Order(7)
    void withoutReadOnTheCdcTopicsRunStopsAtOnce() throws Exception {
        failsFast("no ACL on the CDC topics", credentials(APP_WITHOUT_CDC_READ), "READ");
    }

    @Test
    @Order(8)
    void withoutWriteOnTheEventsTopicRunStopsAtOnce() throws Exception {
        failsFast("no WRITE on the events topic", credentials(APP_WITHOUT_EVENTS_WRITE), "WRITE");
    }

    @Test
    @Order(9)
    void withoutAnyAclOnTheEventsTopicRunStopsAtOnce() throws Exception {
        failsFast("no ACL at all on the events topic", credentials(APP_WITHOUT_EVENTS_ACL), "WRITE");
    }

    @Test
    @Order(10)
    void withoutTheTransactionalIdAclRunStopsAtOnce() throws Exception {
        failsFast("no ACL on transactional ids", credentials(APP_WITHOUT_TRANSACTIONS), "transactional");
    }

    @Test
    @Order(11)
    void withoutTheGroupAclRunStopsAtOnce() throws Exception {
        failsFast("no ACL on the consumer group", credentials(APP_WITHOUT_GROUP), "group");
    }

    /** Not checked beforehand (an administrator may have created them): Kafka Streams' own error stops the app. */
    @Test
    @Order(12)
    void withoutTheInternalTopicsAclsRunStops() throws Exception {
        Map<String, String> env = new HashMap<>(credentials(APP_WITHOUT_INTERNAL));
        env.put("PREFECT_CDC_APPLICATION_ID", "internal-" + APP_ID);
        failsFast("no ACL on the internal topics", env, "authoriz");
    }

    @Test
    @Order(13)
    void replayAndTailWithAWrongPasswordStopAtOnce() throws Exception {
        ScramUser wrong = new ScramUser(APP.name(), "wrong-" + UUID.randomUUID());
        failsFast(
                "replay, wrong password",
                credentials(wrong),
                "authentication failed",
                List.of(wrong.password()),
                "replay",
                "--bootstrap-servers",
                kafka.bootstrapServers());
        failsFast(
                "tail, wrong password",
                credentials(wrong),
                "authentication failed",
                List.of(wrong.password()),
                "tail",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--from-beginning",
                "--exit-at-end");
    }

    @Test
    @Order(14)
    void replayAndTailWithoutCredentialsStopAtOnce() throws Exception {
        failsFast(
                "replay, no client settings",
                Map.of(),
                "requires authentication",
                List.of(),
                "replay",
                "--bootstrap-servers",
                kafka.bootstrapServers());
        failsFast(
                "tail, no client settings",
                Map.of(),
                "requires authentication",
                List.of(),
                "tail",
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--from-beginning",
                "--exit-at-end");
    }

    private void failsFast(String situation, Map<String, String> env, String expected, String... secrets)
            throws Exception {
        failsFast(
                situation,
                env,
                expected,
                List.of(secrets),
                "run",
                "--http-port=0",
                "--state-dir=" + tmp.resolve("state-" + UUID.randomUUID()));
    }

    /** The command exits with status 1 within {@link #FAIL_FAST}, its output naming {@code expected}, no secret. */
    private void failsFast(
            String situation, Map<String, String> env, String expected, List<String> secrets, String... command)
            throws Exception {
        Path log = tmp.resolve("fail-" + UUID.randomUUID() + ".log");
        long t0 = System.nanoTime();
        Process run = start(log, env, command);
        boolean exited = run.waitFor(90, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (!exited) {
            run.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        String output = read(log);
        String reason = output.lines()
                .filter(l -> l.contains("ERROR") || l.startsWith(command[0] + ":"))
                .reduce((a, b) -> a + "\n" + b)
                .orElse("(no error line)");
        timings.put(
                "fail fast: " + situation, millis + " ms" + (command[0].equals("run") ? firstLogToError(output) : ""));
        System.out.println("SecuredKafkaIT " + situation + " -> exit " + (exited ? run.exitValue() : "none") + " after "
                + millis + " ms:\n" + reason);
        assertTrue(exited, situation + ": run did not exit:\n" + output);
        assertEquals(1, run.exitValue(), output);
        assertTrue(millis < FAIL_FAST.toMillis(), situation + ": " + millis + " ms\n" + output);
        assertTrue(
                reason.toLowerCase().contains(expected.toLowerCase()), situation + ": " + expected + " in\n" + output);
        assertNoPassword(output);
        for (String secret : secrets) {
            assertFalse(output.contains(secret), situation + ": a password in the output");
        }
    }

    /** For {@code run}: from its first log line to its first ERROR line, the time JVM start does not account for. */
    private static String firstLogToError(String output) {
        List<String> logged =
                output.lines().filter(l -> LOG_LINE.matcher(l).matches()).toList();
        Optional<String> error =
                logged.stream().filter(l -> l.startsWith("ERROR", 13)).findFirst();
        if (error.isEmpty()) {
            return "";
        }
        long millis = Duration.between(
                        LocalTime.parse(logged.get(0).substring(0, 12)),
                        LocalTime.parse(error.get().substring(0, 12)))
                .toMillis();
        return " (first log line -> error line: " + millis + " ms)";
    }

    // ---- the app's principals

    private Map<String, String> credentials(ScramUser user) {
        Map<String, String> env = new HashMap<>();
        env.put("PREFECT_CDC_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        user.clientSettings()
                .forEach((key, value) -> env.put("KAFKA_" + key.toUpperCase().replace('.', '_'), value));
        return env;
    }

    private Map<String, String> credentialsOrBootstrap(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(env);
        all.putIfAbsent("PREFECT_CDC_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        return all;
    }

    private static List<AclBinding> without(List<AclBinding> acls, Predicate<AclBinding> left) {
        return acls.stream().filter(left.negate()).toList();
    }

    // ---- processes

    private Process start(Path log, Map<String, String> env, String... args) throws IOException {
        return start(log, null, env, args);
    }

    private Process start(Path log, Path out, Map<String, String> env, String... args) throws IOException {
        JarLauncher launcher = JarLauncher.app()
                .jvm("-Xmx512m")
                .args(args)
                .withoutEnv("PREFECT_CDC_", "KAFKA_", "PREFECT_SERVER_ENCRYPTION_KEY")
                .env(credentialsOrBootstrap(env));
        if (out == null) {
            launcher.log(log);
        } else {
            launcher.output(ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.to(log.toFile()));
        }
        return launcher.start();
    }

    /** {@code transform} over the records: the events with their ids. */
    private static List<String> transform(List<String> lines) throws Exception {
        Path in = Files.createTempFile(tmp, "transform-", ".jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Process transform = JarLauncher.app()
                .args("transform")
                .input(in)
                .output(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(transform.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(transform.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, transform.exitValue());
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    // ---- Kafka, as the admin

    /** Records in file order, into the change stream. */
    private static void produce(List<String> lines, long firstTimestamp) throws Exception {
        FixtureLines.produce(kafka.adminClientSettings(), TOPICS.cdcTopic(), lines, firstTimestamp);
    }

    /** The committed records of a one-partition topic, once there are at least {@code atLeast}. */
    private static List<String> readCommitted(String topic, int atLeast, Duration timeout) {
        Map<String, Object> settings = new HashMap<>(kafka.adminClientSettings());
        settings.put(ConsumerConfig.CLIENT_ID_CONFIG, "secured-kafka-it-reader");
        try (CommittedRecords reader = new CommittedRecords(kafka.bootstrapServers(), topic, settings)) {
            await(atLeast + " records in " + topic)
                    .atMost(timeout)
                    .pollInSameThread()
                    .until(() -> reader.readToEnd(timeout).size() >= atLeast);
            return reader.all().stream().map(CommittedRecords.Received::value).toList();
        }
    }

    // ---- helpers

    private static void assertNoPassword(String output) {
        for (String password : PASSWORDS) {
            assertFalse(output.contains(password), "a password in the output");
        }
    }

    private static List<String> sorted(List<String> lines) {
        return lines.stream().sorted().toList();
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String ms(long nanos) {
        return nanos / 1_000_000 + " ms";
    }
}
