package io.prefectlifecycle.replay;

import io.prefectlifecycle.cli.KafkaConnection;
import io.prefectlifecycle.cli.ReplayCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line of {@code replay} and the Kafka client settings it builds; no broker. */
class ReplayCommandTest {

    @Test
    void defaultsWriteToTheReplayTopicAndDeadLettersToStderr() throws IOException {
        ReplayOptions options = parse().options(Map.of());
        assertEquals("prefect.lifecycle-events.replay", options.toTopic());
        assertEquals(Optional.empty(), options.deadLetterTopic());
        assertEquals(Optional.empty(), options.from());
        assertEquals("prefect-lifecycle-cdc-replay-prefect.lifecycle-events.replay", options.transactionalId());
        assertEquals("prefect.cdc", options.settings().cdcTopic());
        assertFalse(options.settings().emitSnapshotReads());
        assertEquals("localhost:9092", options.clients().getProperty("bootstrap.servers"));
    }

    @Test
    void everyOptionIsParsed() throws IOException {
        ReplayOptions options = parse(
                        "--bootstrap-servers",
                        "k1:9092,k2:9092",
                        "--topic-prefix",
                        "pf",
                        "--to-topic",
                        "prefect.lifecycle-events",
                        "--from",
                        "2026-06-01T02:00+02:00",
                        "--emit-snapshot-reads",
                        "--dead-letter-topic",
                        "dlq.replay",
                        "--transactional-id",
                        "t1")
                .options(Map.of());
        assertEquals("k1:9092,k2:9092", options.clients().getProperty("bootstrap.servers"));
        assertEquals("pf.cdc", options.settings().cdcTopic());
        assertEquals(
                "other.stream",
                parse("--topic-prefix", "pf", "--cdc-topic", "other.stream")
                        .options(Map.of())
                        .settings()
                        .cdcTopic());
        assertEquals("prefect.lifecycle-events", options.toTopic());
        assertEquals(Optional.of(Instant.parse("2026-06-01T00:00:00Z")), options.from());
        assertTrue(options.settings().emitSnapshotReads());
        assertEquals(Optional.of("dlq.replay"), options.deadLetterTopic());
        assertEquals("t1", options.transactionalId());
    }

    @Test
    void aSourceIsChosenAmongTheRunsSources() throws IOException {
        String sources = "prod=prefect-prod,staging=prefect-staging";
        String key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
        ReplayOptions staging = parse("--sources", sources, "--source", "staging", "--source-label")
                .options(Map.of("PREFECT_SERVER_ENCRYPTION_KEY_STAGING", key));
        assertEquals("prefect-staging.cdc", staging.settings().cdcTopic());
        assertEquals("staging", staging.settings().source(), "the events' prefect.cdc.source header");
        assertTrue(staging.settings().sourceLabel());
        assertTrue(staging.settings().keyOverride().isPresent(), "the source's own key");
        assertEquals(
                "prefect.lifecycle-events.staging",
                parse("--sources", sources, "--source", "staging")
                        .options(Map.of("PREFECT_CDC_EVENTS_TOPIC_PER_SOURCE", "true"))
                        .settings()
                        .eventsTopic(),
                "the live topic whose partitions a created target topic copies");

        ReplayOptions none = parse().options(Map.of());
        assertEquals("prefect", none.settings().source(), "without sources: the one source prefect");
        assertFalse(none.settings().sourceLabel());

        assertEquals(
                "--source is needed: a replay reads one source's change stream; one of prod, staging",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("--sources", sources).options(Map.of()))
                        .getMessage());
        assertEquals(
                "--source dev is not one of the sources: prod, staging",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("--sources", sources, "--source", "dev")
                                        .options(Map.of()))
                        .getMessage());
        assertEquals(
                "--source dev needs --sources (or PREFECT_CDC_SOURCES) naming it",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> parse("--source", "dev").options(Map.of()))
                        .getMessage());
    }

    @Test
    void aBadTimeIsAUsageError() {
        StringWriter err = new StringWriter();
        int status = new CommandLine(new ReplayCommand())
                .setErr(new PrintWriter(err))
                .execute("--from", "yesterday");
        assertEquals(2, status);
        assertTrue(err.toString().contains("'yesterday' is not an ISO-8601 time"), err.toString());
    }

    @Test
    void helpListsTheOptions() {
        StringWriter out = new StringWriter();
        int status = new CommandLine(new ReplayCommand())
                .setOut(new PrintWriter(out))
                .execute("--help");
        assertEquals(0, status);
        for (String option : new String[] {
            "--bootstrap-servers",
            "--command-config",
            "--topic-prefix",
            "--cdc-topic",
            "--to-topic",
            "--from",
            "--emit-snapshot-reads",
            "--dead-letter-topic",
            "--transactional-id"
        }) {
            assertTrue(out.toString().contains(option), option);
        }
    }

    @Test
    void clientSettingsComeFromEnvironmentThenCommandConfigThenFlag(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("client.properties");
        Files.writeString(config, "security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nbootstrap.servers=file:9093\n");
        Map<String, String> env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS",
                "env:9092",
                "KAFKA_SASL_MECHANISM",
                "SCRAM-SHA-512",
                "KAFKA_SSL_TRUSTSTORE_LOCATION",
                "/etc/kafka/truststore.jks",
                "KAFKA_HEAP_OPTS",
                "-Xmx1g");

        Properties fromEnv = KafkaConnection.properties(null, null, env);
        assertEquals("env:9092", fromEnv.getProperty("bootstrap.servers"));
        assertEquals("SCRAM-SHA-512", fromEnv.getProperty("sasl.mechanism"));
        assertEquals("/etc/kafka/truststore.jks", fromEnv.getProperty("ssl.truststore.location"));
        assertNull(fromEnv.getProperty("heap.opts"), "not a client setting");

        Properties fromFile = KafkaConnection.properties(null, config, env);
        assertEquals("file:9093", fromFile.getProperty("bootstrap.servers"));
        assertEquals("PLAIN", fromFile.getProperty("sasl.mechanism"));
        assertEquals("SASL_SSL", fromFile.getProperty("security.protocol"));
        assertEquals("/etc/kafka/truststore.jks", fromFile.getProperty("ssl.truststore.location"));

        assertEquals(
                "flag:9092",
                KafkaConnection.properties("flag:9092", config, env).getProperty("bootstrap.servers"));

        Map<String, String> both = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "kafka-env:9092", "PREFECT_CDC_BOOTSTRAP_SERVERS", "prefect-env:9092");
        assertEquals(
                "prefect-env:9092",
                KafkaConnection.properties(null, null, both).getProperty("bootstrap.servers"),
                "the app's own variable wins over the Kafka client one");
        assertEquals("file:9093", KafkaConnection.properties(null, config, both).getProperty("bootstrap.servers"));
    }

    @Test
    void theConsumerHasNoGroupAndReadsCommittedData() {
        Properties clients = new Properties();
        clients.setProperty("bootstrap.servers", "k:9092");
        clients.setProperty("group.id", "prefect-lifecycle-cdc");
        clients.setProperty("group.instance.id", "pod-0");
        clients.setProperty("isolation.level", "read_uncommitted");
        clients.setProperty("enable.auto.commit", "true");
        Properties consumer = Replayer.consumerProperties(clients);
        assertNull(consumer.getProperty("group.id"));
        assertNull(consumer.getProperty("group.instance.id"));
        assertEquals("false", consumer.getProperty("enable.auto.commit"));
        assertEquals("read_committed", consumer.getProperty("isolation.level"));
        assertEquals("none", consumer.getProperty("auto.offset.reset"));
        assertEquals("k:9092", consumer.getProperty("bootstrap.servers"));
        assertEquals("prefect-lifecycle-cdc", clients.getProperty("group.id"), "the shared settings are not changed");
    }

    @Test
    void theProducerIsTransactional() {
        Properties clients = new Properties();
        clients.setProperty("acks", "1");
        clients.setProperty("linger.ms", "5");
        Properties producer = Replayer.producerProperties(clients, "replay-1");
        assertEquals("replay-1", producer.getProperty("transactional.id"));
        assertEquals("all", producer.getProperty("acks"));
        assertEquals("true", producer.getProperty("enable.idempotence"));
        assertEquals("5", producer.getProperty("linger.ms"), "tuning given by the user is kept");
    }

    private static ReplayCommand parse(String... args) {
        ReplayCommand command = new ReplayCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
