package io.prefectlifecycle.app;

import io.prefectlifecycle.avro.EventSchemas;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-flight failures a misconfigured pod meets first; the input topic check against a real broker (in-process
 * KRaft), the schema registry checks against a real one (Apicurio 2.6, a child process).
 */
class PreflightIT {

    @TempDir
    Path tmp;

    @Test
    void anUnreachableClusterFailsFastNamingTheSetting() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        AppConfig config = AppConfig.load(
                Map.of(),
                Map.of(Setting.BOOTSTRAP_SERVERS, "127.0.0.1:" + closedPort, Setting.STATE_DIR, tmp.toString()));
        long t0 = System.nanoTime();
        Preflight.Failed failed = assertThrows(
                Preflight.Failed.class, () -> Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(2)));
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        assertEquals(
                "cannot reach the Kafka cluster at 127.0.0.1:" + closedPort + " (bootstrap.servers from flag "
                        + "--bootstrap-servers) within 2 s: 127.0.0.1:" + closedPort
                        + ": connection refused; check the address "
                        + "and the Kafka client settings (security.protocol, sasl.*, ssl.*)",
                failed.getMessage(),
                "why, in a user's words: no Java class name");
        assertTrue(seconds < 10, seconds + " s");
    }

    @Test
    void aPartitionedCdcTopicIsRefused() throws Exception {
        try (LocalKafka kafka = LocalKafka.start();
                Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic("prefect.cdc", 2, (short) 1)))
                    .all()
                    .get();
            AppConfig config = AppConfig.load(
                    Map.of(),
                    Map.of(Setting.BOOTSTRAP_SERVERS, kafka.bootstrapServers(), Setting.STATE_DIR, tmp.toString()));
            Preflight.Failed failed = assertThrows(
                    Preflight.Failed.class,
                    () -> Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(10)));
            assertEquals(
                    "the CDC topic prefect.cdc has 2 partitions: it must have one, the database's commit order "
                            + "(docs/adr/0004); recreate it with one partition (Debezium's topic.creation.default.partitions=1)",
                    failed.getMessage());

            admin.deleteTopics(List.of("prefect.cdc")).all().get();
            admin.createTopics(List.of(new NewTopic("prefect.cdc", 1, (short) 1)))
                    .all()
                    .get();
            Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(10));

            // each source's change stream is checked: one partition, or not there yet (a warning)
            admin.createTopics(List.of(new NewTopic("prefect-staging.cdc", 3, (short) 1)))
                    .all()
                    .get();
            AppConfig sources = AppConfig.load(
                    Map.of(),
                    Map.of(
                            Setting.BOOTSTRAP_SERVERS,
                            kafka.bootstrapServers(),
                            Setting.STATE_DIR,
                            tmp.toString(),
                            Setting.SOURCES,
                            "prod=prefect,dev=prefect-dev,staging=prefect-staging"));
            Preflight.Failed staging = assertThrows(
                    Preflight.Failed.class,
                    () -> Preflight.check(sources, sources.sources(Map.of()), Duration.ofSeconds(10)));
            assertEquals(
                    "the CDC topic prefect-staging.cdc (source staging) has 3 partitions: it must have one, the "
                            + "database's commit order (docs/adr/0004); recreate it with one partition (Debezium's "
                            + "topic.creation.default.partitions=1)",
                    staging.getMessage());
        }
    }

    @Test
    void anUnwritableStateDirectoryIsNamed() throws Exception {
        AppConfig config = AppConfig.load(Map.of("PREFECT_CDC_STATE_DIR", "/proc/prefect-lifecycle-cdc"), Map.of());
        Preflight.Failed failed = assertThrows(
                Preflight.Failed.class, () -> Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(2)));
        assertTrue(
                failed.getMessage()
                        .startsWith("state.dir: cannot create /proc/prefect-lifecycle-cdc (from "
                                + "environment variable PREFECT_CDC_STATE_DIR): "),
                failed.getMessage());
        assertTrue(
                failed.getMessage().endsWith("; mount a writable volume there or set --state-dir"),
                failed.getMessage());
    }

    @Test
    void anUnreachableSchemaRegistryFailsNamingTheSetting() throws Exception {
        int closedPort = closedPort();
        String url = "http://127.0.0.1:" + closedPort + "/apis/ccompat/v7";
        AppConfig config = load(Map.of(
                Setting.EVENT_FORMAT,
                "avro",
                Setting.SCHEMA_REGISTRY_URL,
                url,
                Setting.BOOTSTRAP_SERVERS,
                "127.0.0.1:" + closedPort()));
        long t0 = System.nanoTime();
        Preflight.Failed failed = assertThrows(
                Preflight.Failed.class, () -> Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(2)));
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        System.out.println("PreflightIT: unreachable registry: " + failed.getMessage() + " (" + seconds + " s)");
        assertTrue(failed.getMessage().startsWith("schema registry: "), failed.getMessage());
        assertTrue(failed.getMessage().contains("127.0.0.1:" + closedPort), failed.getMessage());
        assertTrue(
                failed.getMessage().endsWith(" (schema.registry.url from flag --schema-registry-url)"),
                failed.getMessage());
        assertTrue(seconds < 20, seconds + " s");
    }

    @Test
    void aReachableSchemaRegistryPassesAndTheKafkaCheckFollows() throws Exception {
        ApicurioRegistry registry = ApicurioRegistry.shared();
        int kafkaPort = closedPort();
        AppConfig config = load(Map.of(
                Setting.EVENT_FORMAT,
                "avro",
                Setting.SCHEMA_REGISTRY_URL,
                registry.ccompatUrl().toString(),
                Setting.BOOTSTRAP_SERVERS,
                "127.0.0.1:" + kafkaPort));
        Preflight.Failed failed = assertThrows(
                Preflight.Failed.class, () -> Preflight.check(config, config.sources(Map.of()), Duration.ofSeconds(2)));
        assertTrue(
                failed.getMessage().startsWith("cannot reach the Kafka cluster at 127.0.0.1:" + kafkaPort),
                "the registry check passed, the Kafka one failed: " + failed.getMessage());
    }

    @Test
    void withoutAutoRegistrationTheEventSchemaMustBeRegisteredUnderTheTopicsSubject() throws Exception {
        ApicurioRegistry registry = ApicurioRegistry.shared();
        String topic = "preflight-" + UUID.randomUUID();
        AppConfig config = load(Map.of(
                Setting.EVENT_FORMAT,
                "avro",
                Setting.SCHEMA_REGISTRY_URL,
                registry.ccompatUrl().toString(),
                Setting.SCHEMA_REGISTRY_AUTO_REGISTER,
                "false",
                Setting.EVENTS_TOPIC,
                topic));
        Preflight.Failed failed =
                assertThrows(Preflight.Failed.class, () -> Preflight.schemaRegistry(config, config.sources(Map.of())));
        assertEquals(
                "schema registry: " + registry.ccompatUrl() + ": the event schema (schemas/avro/lifecycle-event.avsc) "
                        + "is not registered under subject " + topic
                        + "-value, and schema.registry.auto.register is false "
                        + "(schema.registry.url from flag --schema-registry-url)",
                failed.getMessage());

        new SchemaRegistryClient(registry.ccompatUrl()).register(topic + "-value", EventSchemas.ENVELOPE_TEXT);
        Preflight.schemaRegistry(config, config.sources(Map.of())); // passes once it is registered
    }

    private AppConfig load(Map<Setting, String> flags) throws InvalidConfigException {
        Map<Setting, String> all = new EnumMap<>(Setting.class);
        all.put(Setting.STATE_DIR, tmp.toString());
        all.putAll(flags);
        return AppConfig.load(Map.of(), all);
    }

    private static int closedPort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
