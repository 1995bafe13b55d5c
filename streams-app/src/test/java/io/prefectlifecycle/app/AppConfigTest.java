package io.prefectlifecycle.app;

import io.prefectlifecycle.app.Setting.ProcessingGuarantee;
import io.prefectlifecycle.topology.PipelineMetrics;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AppConfigTest {

    private static final String SECRET = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"app\" password=\"hunter2-secret\";";

    @TempDir
    Path tmp;

    /** The names other engineers' manifests and docs rely on: changing one breaks a deployment. */
    @Test
    void declarationsHaveTheAgreedNames() {
        String expected = String.join(
                "\n",
                "config.file PREFECT_CDC_CONFIG_FILE --config-file ",
                "bootstrap.servers PREFECT_CDC_BOOTSTRAP_SERVERS --bootstrap-servers localhost:9092",
                "application.id PREFECT_CDC_APPLICATION_ID --application-id prefect-lifecycle-cdc",
                "topic.prefix PREFECT_CDC_TOPIC_PREFIX --topic-prefix prefect",
                "cdc.topic PREFECT_CDC_CDC_TOPIC --cdc-topic ",
                "sources PREFECT_CDC_SOURCES --sources ",
                "source.label PREFECT_CDC_SOURCE_LABEL --source-label false",
                "events.topic PREFECT_CDC_EVENTS_TOPIC --events-topic prefect.lifecycle-events",
                "events.topic.per.source PREFECT_CDC_EVENTS_TOPIC_PER_SOURCE --events-topic-per-source false",
                "dead.letter.topic PREFECT_CDC_DEAD_LETTER_TOPIC --dead-letter-topic prefect.lifecycle-events.dlq",
                "state.dir PREFECT_CDC_STATE_DIR --state-dir /var/lib/prefect-lifecycle-cdc",
                "processing.guarantee PREFECT_CDC_PROCESSING_GUARANTEE --processing-guarantee exactly_once_v2",
                "standby.replicas PREFECT_CDC_STANDBY_REPLICAS --standby-replicas 0",
                "emit.snapshot.reads PREFECT_CDC_EMIT_SNAPSHOT_READS --emit-snapshot-reads false",
                "event.format PREFECT_CDC_EVENT_FORMAT --format json",
                "schema.registry.url PREFECT_CDC_SCHEMA_REGISTRY_URL --schema-registry-url ",
                "schema.registry.auto.register PREFECT_CDC_SCHEMA_REGISTRY_AUTO_REGISTER --schema-registry-auto-register true",
                "http.port PREFECT_CDC_HTTP_PORT --http-port 8080",
                "shutdown.timeout PREFECT_CDC_SHUTDOWN_TIMEOUT --shutdown-timeout PT30S");
        assertEquals(
                expected,
                Arrays.stream(Setting.values())
                        .map(s -> s.key() + " " + s.env() + " " + s.flag() + " " + s.defaultValue())
                        .collect(Collectors.joining("\n")));
    }

    @Test
    void avroEventsNeedARegistryAndThePasswordInItsUrlIsNeverShown() throws Exception {
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class, () -> load(Map.of("PREFECT_CDC_EVENT_FORMAT", "avro"), Map.of()));
        assertTrue(
                e.getMessage()
                        .contains("event.format: avro (environment variable PREFECT_CDC_EVENT_FORMAT) needs "
                                + "schema.registry.url"),
                e.getMessage());

        InvalidConfigException bad = assertThrows(
                InvalidConfigException.class,
                () -> load(
                        Map.of("PREFECT_CDC_SCHEMA_REGISTRY_URL", "ftp://u:hunter2-secret@registry:8081"), Map.of()));
        assertTrue(
                bad.getMessage()
                        .contains("schema.registry.url: 'ftp://***@registry:8081' from environment variable "
                                + "PREFECT_CDC_SCHEMA_REGISTRY_URL must be an http(s)://host[:port][/path] URL"),
                bad.getMessage());
        assertFalse(bad.getMessage().contains("hunter2"));

        AppConfig config = load(
                Map.of("PREFECT_CDC_SCHEMA_REGISTRY_URL", "http://u:hunter2-secret@registry:8081"),
                Map.of(Setting.EVENT_FORMAT, "AVRO", Setting.SCHEMA_REGISTRY_AUTO_REGISTER, "false"));
        assertEquals(io.prefectlifecycle.event.EventFormat.AVRO, config.eventFormat());
        assertEquals(
                java.net.URI.create("http://u:hunter2-secret@registry:8081"),
                config.schemaRegistry().orElseThrow().url());
        assertFalse(config.schemaRegistry().orElseThrow().autoRegister());
        assertTrue(
                config.toString()
                        .contains("schema.registry.url=http://***@registry:8081 (environment variable "
                                + "PREFECT_CDC_SCHEMA_REGISTRY_URL)"),
                config.toString());
        assertFalse(config.toString().contains("hunter2"));
        assertEquals(
                io.prefectlifecycle.event.EventFormat.AVRO,
                config.sources(Map.of()).get(0).eventFormat());
    }

    @Test
    void namesDoNotDependOnTheDefaultLocale() throws Exception {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.forLanguageTag("tr"));
            assertEquals("PREFECT_CDC_EMIT_SNAPSHOT_READS", Setting.EMIT_SNAPSHOT_READS.env());
            AppConfig config = load(
                    Map.of(
                            "PREFECT_CDC_EMIT_SNAPSHOT_READS",
                            "TRUE",
                            "PREFECT_CDC_PROCESSING_GUARANTEE",
                            "AT_LEAST_ONCE",
                            "KAFKA_SASL_MECHANISM",
                            "PLAIN"),
                    Map.of());
            assertTrue(config.emitSnapshotReads());
            assertEquals(ProcessingGuarantee.AT_LEAST_ONCE, config.processingGuarantee());
            assertEquals(Map.of("sasl.mechanism", "PLAIN"), config.kafka().values());
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void defaults() {
        AppConfig config = AppConfig.defaults();
        assertEquals(Optional.empty(), config.configFile());
        assertEquals("localhost:9092", config.bootstrapServers());
        assertEquals("prefect-lifecycle-cdc", config.applicationId());
        assertEquals("prefect", config.topicPrefix());
        assertEquals("prefect.cdc", config.cdcTopic());
        assertEquals("prefect.lifecycle-events", config.eventsTopic());
        assertEquals("prefect.lifecycle-events.dlq", config.deadLetterTopic());
        assertEquals(Path.of("/var/lib/prefect-lifecycle-cdc"), config.stateDir());
        assertEquals(ProcessingGuarantee.EXACTLY_ONCE_V2, config.processingGuarantee());
        assertEquals(0, config.standbyReplicas());
        assertFalse(config.emitSnapshotReads());
        assertEquals(8080, config.httpPort());
        assertEquals(Duration.ofSeconds(30), config.shutdownTimeout());
        assertEquals(Map.of(), config.kafka().values());
        assertTrue(
                config.origins().values().stream().allMatch("default"::equals),
                config.origins().toString());
    }

    @Test
    void precedenceIsDefaultThenFileThenEnvironmentThenFlag() throws Exception {
        Path file = file("""
                bootstrap.servers=file:9092
                application.id=from-file
                topic.prefix=fileprefix
                cdc.topic=file.cdc
                standby.replicas=1
                """);
        AppConfig config = load(
                Map.of(
                        "PREFECT_CDC_CONFIG_FILE",
                        file.toString(),
                        "PREFECT_CDC_APPLICATION_ID",
                        "from-env",
                        "PREFECT_CDC_TOPIC_PREFIX",
                        "envprefix",
                        "PREFECT_CDC_STANDBY_REPLICAS",
                        "2"),
                Map.of(Setting.TOPIC_PREFIX, "flagprefix", Setting.HTTP_PORT, "9100"));

        assertEquals("file:9092", config.bootstrapServers()); // file over default
        assertEquals("file.cdc", config.cdcTopic());
        assertEquals("from-env", config.applicationId()); // environment over file
        assertEquals(2, config.standbyReplicas());
        assertEquals("flagprefix", config.topicPrefix()); // flag over environment
        assertEquals(9100, config.httpPort()); // flag over default
        assertEquals("prefect.lifecycle-events", config.eventsTopic()); // default

        assertEquals("file " + file, config.origins().get(Setting.BOOTSTRAP_SERVERS));
        assertEquals(
                "environment variable PREFECT_CDC_APPLICATION_ID",
                config.origins().get(Setting.APPLICATION_ID));
        assertEquals("flag --topic-prefix", config.origins().get(Setting.TOPIC_PREFIX));
        assertEquals("default", config.origins().get(Setting.EVENTS_TOPIC));
        assertEquals(Optional.of(file), config.configFile());
    }

    @Test
    void theConfigFileFlagWinsOverItsVariable() throws Exception {
        Path fromEnv = file("cdc.topic=fromenvfile\n");
        Path fromFlag = file("cdc.topic=fromflagfile\n");
        AppConfig config = load(
                Map.of("PREFECT_CDC_CONFIG_FILE", fromEnv.toString()),
                Map.of(Setting.CONFIG_FILE, fromFlag.toString()));
        assertEquals("fromflagfile", config.cdcTopic());
        assertEquals("flag --config-file", config.origins().get(Setting.CONFIG_FILE));
    }

    @Test
    void typedValuesFromEveryLayer() throws Exception {
        Path file = file("""
                processing.guarantee=at_least_once
                emit.snapshot.reads=true
                state.dir=/data/state
                """);
        AppConfig config = load(
                Map.of("PREFECT_CDC_SHUTDOWN_TIMEOUT", "PT1M"),
                Map.of(Setting.CONFIG_FILE, file.toString(), Setting.HTTP_PORT, "0"));
        assertEquals(ProcessingGuarantee.AT_LEAST_ONCE, config.processingGuarantee());
        assertTrue(config.emitSnapshotReads());
        assertEquals(Path.of("/data/state"), config.stateDir());
        assertEquals(Duration.ofMinutes(1), config.shutdownTimeout());
        assertEquals(0, config.httpPort());
    }

    @Test
    void aBadValueIsNamedWithItsSource() {
        assertEquals(
                List.of("processing.guarantee: 'twice' from flag --processing-guarantee must be one of "
                        + "exactly_once_v2, at_least_once"),
                problems(Map.of(), Map.of(Setting.PROCESSING_GUARANTEE, "twice")));
        assertEquals(
                List.of("processing.guarantee: 'twice' from environment variable PREFECT_CDC_PROCESSING_GUARANTEE "
                        + "must be one of exactly_once_v2, at_least_once"),
                problems(Map.of("PREFECT_CDC_PROCESSING_GUARANTEE", "twice"), Map.of()));
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
        Path file = file("http.port=80000\n");
        List<String> problems = problems(
                Map.of("PREFECT_CDC_EMIT_SNAPSHOT_READS", "yes", "PREFECT_CDC_STANDBY_REPLICAS", "-1"),
                Map.of(
                        Setting.CONFIG_FILE,
                        file.toString(),
                        Setting.BOOTSTRAP_SERVERS,
                        "kafka",
                        Setting.EVENTS_TOPIC,
                        "events topic",
                        Setting.SHUTDOWN_TIMEOUT,
                        "PT0S"));
        assertEquals(
                List.of(
                        "bootstrap.servers: 'kafka' from flag --bootstrap-servers must be host:port[,host:port…]",
                        "events.topic: 'events topic' from flag --events-topic must be 1 to 249 of the characters a-z A-Z 0-9 . _ -",
                        "standby.replicas: '-1' from environment variable PREFECT_CDC_STANDBY_REPLICAS must be an integer from 0 to 16",
                        "emit.snapshot.reads: 'yes' from environment variable PREFECT_CDC_EMIT_SNAPSHOT_READS must be true or false",
                        "http.port: '80000' from file " + file + " must be an integer from 0 to 65535",
                        "shutdown.timeout: 'PT0S' from flag --shutdown-timeout must be a positive ISO-8601 duration such as PT5S "
                                + "or PT1M30S"),
                problems);
    }

    @Test
    void theFileMayHoldOnlySettingsAndKafkaKeys() throws IOException {
        Path file = file("""
                bootstrap.server=typo:9092
                config.file=/other.properties
                """);
        assertEquals(
                List.of(
                        "file " + file
                                + ": unknown key 'bootstrap.server': not a setting (see run --help) nor a Kafka client "
                                + "setting (prefix kafka.)",
                        "config.file: cannot be set in the file itself (file " + file + ")"),
                problems(Map.of(), Map.of(Setting.CONFIG_FILE, file.toString())));
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = tmp.resolve("nope.properties");
        assertEquals(
                List.of("config.file: cannot read '" + missing + "' from environment variable "
                        + "PREFECT_CDC_CONFIG_FILE: NoSuchFileException"),
                problems(Map.of("PREFECT_CDC_CONFIG_FILE", missing.toString()), Map.of()));
    }

    @Test
    void outputTopicsMustBeTwoAndNotInputs() {
        assertEquals(
                List.of("dead.letter.topic: must differ from events.topic (flag --dead-letter-topic, default)"),
                problems(Map.of(), Map.of(Setting.DEAD_LETTER_TOPIC, "prefect.lifecycle-events")));
        assertEquals(
                List.of("events.topic: 'prefect.cdc' from flag --events-topic is an input topic"),
                problems(Map.of(), Map.of(Setting.EVENTS_TOPIC, "prefect.cdc")));
        assertEquals(
                List.of("events.topic: 'prefect-dev.cdc' from flag --events-topic is an input topic"),
                problems(
                        Map.of(),
                        Map.of(
                                Setting.EVENTS_TOPIC,
                                "prefect-dev.cdc",
                                Setting.SOURCES,
                                "prod=prefect-prod,dev=prefect-dev")));
    }

    @Test
    void sourcesAreNamedTopicPrefixesInOrder() throws Exception {
        AppConfig config = load(
                Map.of("PREFECT_CDC_SOURCES", " prod=prefect-prod, staging=prefect-staging"),
                Map.of(Setting.SOURCE_LABEL, "true"));
        String key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
        String stagingKey = "Hm4zdcoOlCsm8NBZcmUpM3HPCsXHnILJJcNzNpuBq5A=";
        var sources = config.sources(
                Map.of("PREFECT_SERVER_ENCRYPTION_KEY", key, "PREFECT_SERVER_ENCRYPTION_KEY_STAGING", stagingKey));
        assertEquals(
                List.of("prod", "staging"),
                sources.stream().map(t -> t.source()).toList());
        assertEquals(
                List.of("prefect-prod.cdc", "prefect-staging.cdc"),
                sources.stream().map(t -> t.cdcTopic()).toList());
        assertEquals(
                List.of("prefect.lifecycle-events", "prefect.lifecycle-events"),
                sources.stream().map(t -> t.eventsTopic()).toList(),
                "one events topic for all by default");
        assertTrue(sources.stream().allMatch(t -> t.sourceLabel()));
        assertTrue(sources.get(0).keyOverride().isPresent(), "the common key");
        assertNotSame(
                sources.get(0).keyOverride().get(), sources.get(1).keyOverride().get(), "a source's own key wins");
        InvalidConfigException bad = assertThrows(
                InvalidConfigException.class,
                () -> config.sources(Map.of("PREFECT_SERVER_ENCRYPTION_KEY_STAGING", "hunter2")));
        assertTrue(
                bad.getMessage().contains("PREFECT_SERVER_ENCRYPTION_KEY_STAGING is not a Fernet key"),
                bad.getMessage());
        assertTrue(
                config.toString()
                        .contains("sources=prod=prefect-prod,staging=prefect-staging (environment "
                                + "variable PREFECT_CDC_SOURCES)"),
                config.toString());

        var perSource = load(
                        Map.of(),
                        Map.of(
                                Setting.SOURCES,
                                "prod=prefect-prod,staging=prefect-staging",
                                Setting.EVENTS_TOPIC_PER_SOURCE,
                                "true"))
                .sources(Map.of());
        assertEquals(
                List.of("prefect.lifecycle-events.prod", "prefect.lifecycle-events.staging"),
                perSource.stream().map(t -> t.eventsTopic()).toList());
    }

    @Test
    void badSourcesAreNamed() {
        assertEquals(
                List.of("sources: 'prod' from flag --sources must be name=topic-prefix[,name=topic-prefix…], "
                        + "e.g. prod=prefect-prod,staging=prefect-staging"),
                problems(Map.of(), Map.of(Setting.SOURCES, "prod")));
        assertEquals(
                List.of("sources: 'Prod=p' from flag --sources source name 'Prod' must be 1 to 63 of a-z 0-9 _ -, "
                        + "starting with a letter or digit"),
                problems(Map.of(), Map.of(Setting.SOURCES, "Prod=p")));
        assertEquals(
                List.of("sources: 'a=p,a=q' from flag --sources names the source a twice"),
                problems(Map.of(), Map.of(Setting.SOURCES, "a=p,a=q")));
        assertEquals(
                List.of("sources: 'a=p,b=p' from flag --sources gives the sources a and b one topic prefix, p: "
                        + "a change stream is one database's"),
                problems(Map.of(), Map.of(Setting.SOURCES, "a=p,b=p")));
        assertEquals(
                List.of("sources: 'a-b=p,a_b=q' from flag --sources names the sources a-b and a_b, which share "
                        + "the key variable PREFECT_SERVER_ENCRYPTION_KEY_A_B: rename one"),
                problems(Map.of(), Map.of(Setting.SOURCES, "a-b=p,a_b=q")));
        assertEquals(
                List.of("topic.prefix: set (environment variable PREFECT_CDC_TOPIC_PREFIX) together with sources "
                        + "(flag --sources): with sources, each names its own topic prefix; leave topic.prefix unset"),
                problems(Map.of("PREFECT_CDC_TOPIC_PREFIX", "x"), Map.of(Setting.SOURCES, "a=p")));
    }

    @Test
    void settingsOfEarlierVersionsAreWarnedAboutNotRefused() throws Exception {
        Path file = file("schema=public\n");
        AppConfig config =
                load(Map.of("PREFECT_CDC_TRANSACTION_TIMEOUT", "PT5S"), Map.of(Setting.CONFIG_FILE, file.toString()));
        assertEquals(
                List.of(
                        "file " + file + ": schema is no longer used: the input is one topic, "
                                + "<topic.prefix>.cdc (cdc.topic)",
                        "environment variable PREFECT_CDC_TRANSACTION_TIMEOUT is no longer used: transactions end at their END "
                                + "record, nothing waits on a clock (docs/adr/0004)"),
                config.warnings());
    }

    @Test
    void kafkaClientSettingsPassThroughFromEnvironmentAndFile() throws Exception {
        Path file = file("""
                kafka.security.protocol=SSL
                kafka.ssl.truststore.location=/etc/kafka/truststore.jks
                kafka.producer.linger.ms=5
                """);
        AppConfig config = load(
                Map.of(
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_MECHANISM", "PLAIN",
                        "KAFKA_SASL_JAAS_CONFIG", SECRET),
                Map.of(Setting.CONFIG_FILE, file.toString()));
        assertEquals(
                Map.of(
                        "security.protocol", "SASL_SSL", // environment over file
                        "sasl.mechanism", "PLAIN",
                        "sasl.jaas.config", SECRET,
                        "ssl.truststore.location", "/etc/kafka/truststore.jks",
                        "producer.linger.ms", "5"),
                config.kafka().values());
        assertEquals(
                "environment variable KAFKA_SASL_JAAS_CONFIG",
                config.kafka().origins().get("sasl.jaas.config"));
        assertEquals(
                "file " + file + ", key kafka.ssl.truststore.location",
                config.kafka().origins().get("ssl.truststore.location"));

        Properties props = StreamsApp.properties(config, PipelineMetrics.NONE);
        assertEquals("SASL_SSL", props.get("security.protocol"));
        assertEquals(SECRET, props.get("sasl.jaas.config"));
        assertEquals("5", props.get("producer.linger.ms"));
        assertEquals("exactly_once_v2", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        assertEquals(0, props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals("earliest", props.get("consumer.auto.offset.reset"));
        assertEquals(20, props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(PipelineMetrics.NONE, props.get(PipelineMetrics.CONFIG));
        // every client of the app: Streams' clients take the unprefixed keys, the pre-flight admin its own
        StreamsConfig streams = new StreamsConfig(props);
        assertEquals("SASL_SSL", streams.getMainConsumerConfigs("g", "c", 0).get("security.protocol"));
        assertEquals("SASL_SSL", streams.getProducerConfigs("c").get("security.protocol"));
        assertEquals("SASL_SSL", streams.getAdminConfigs("c").get("security.protocol"));
        assertEquals(SECRET, config.kafka().forAdmin().get("sasl.jaas.config"));
        assertFalse(config.kafka().forAdmin().containsKey("producer.linger.ms"));
    }

    /** Kafka client settings may change the app's tuning, not its own settings. */
    @Test
    void kafkaClientSettingsOverrideTheTuning() throws Exception {
        AppConfig config = load(
                Map.of(
                        "KAFKA_COMMIT_INTERVAL_MS",
                        "100",
                        "KAFKA_AUTO_OFFSET_RESET",
                        "latest",
                        "PREFECT_CDC_STANDBY_REPLICAS",
                        "1",
                        "PREFECT_CDC_PROCESSING_GUARANTEE",
                        "at_least_once"),
                Map.of());
        Properties props = StreamsApp.properties(config, PipelineMetrics.NONE);
        assertEquals("100", props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG));
        assertEquals(
                "latest",
                new StreamsConfig(props).getMainConsumerConfigs("g", "c", 0).get("auto.offset.reset"));
        assertEquals(1, props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG));
        assertEquals("at_least_once", props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    }

    @Test
    void secretValuesAreNeverShown() throws Exception {
        Path file = file("kafka.ssl.keystore.password=hunter2-secret\nkafka.unknown.thing=hunter2-secret\n");
        Map<String, String> env = Map.of(
                "KAFKA_SASL_JAAS_CONFIG",
                SECRET,
                "KAFKA_SASL_JAAS_CONFIGG",
                SECRET,
                "PREFECT_CDC_BOOTSTRAP_SERVER",
                "typo:9092");
        AppConfig config = load(env, Map.of(Setting.CONFIG_FILE, file.toString()));
        assertFalse(config.toString().contains("hunter2"), config.toString());
        assertFalse(
                config.kafka().toString().contains("hunter2"), config.kafka().toString());
        assertTrue(
                config.toString().contains("sasl.jaas.config (environment variable KAFKA_SASL_JAAS_CONFIG)"),
                config.toString());
        assertFalse(
                String.join("\n", config.warnings()).contains("hunter2"),
                config.warnings().toString());
        assertEquals(
                List.of(
                        "file " + file
                                + ": kafka.unknown.thing is not a setting Kafka's clients know; passed through as given",
                        "environment variable PREFECT_CDC_BOOTSTRAP_SERVER is not a setting: ignored",
                        "environment variables KAFKA_SASL_JAAS_CONFIGG name no Kafka client setting: ignored"),
                config.warnings());

        InvalidConfigException invalid = assertThrows(
                InvalidConfigException.class,
                () -> AppConfig.load(env, Map.of(Setting.CONFIG_FILE, file.toString(), Setting.HTTP_PORT, "x")));
        assertFalse(invalid.getMessage().contains("hunter2"), invalid.getMessage());
    }

    /** Kubernetes defines KAFKA_PORT, KAFKA_SERVICE_HOST, … for a Service named kafka; they are not client settings. */
    @Test
    void kubernetesServiceVariablesAreIgnored() throws Exception {
        AppConfig config = load(
                Map.of(
                        "KAFKA_PORT",
                        "tcp://10.0.0.1:9092",
                        "KAFKA_SERVICE_HOST",
                        "10.0.0.1",
                        "KAFKA_PORT_9092_TCP_ADDR",
                        "10.0.0.1",
                        "KAFKA_HEAP_OPTS",
                        "-Xmx1g"),
                Map.of());
        assertEquals(Map.of(), config.kafka().values());
        assertEquals(
                List.of("environment variables KAFKA_HEAP_OPTS, KAFKA_PORT, KAFKA_PORT_9092_TCP_ADDR, "
                        + "KAFKA_SERVICE_HOST name no Kafka client setting: ignored"),
                config.warnings());
    }

    /** The app's own Kafka settings given the Kafka way count as the setting, in their layer. */
    @Test
    void kafkaSpellingsOfOwnSettingsAreTheSetting() throws Exception {
        AppConfig config =
                load(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "KAFKA_NUM_STANDBY_REPLICAS", "1"), Map.of());
        assertEquals("kafka:9092", config.bootstrapServers());
        assertEquals(
                "environment variable KAFKA_BOOTSTRAP_SERVERS", config.origins().get(Setting.BOOTSTRAP_SERVERS));
        assertEquals(1, config.standbyReplicas());
        assertEquals(Map.of(), config.kafka().values());

        assertEquals(
                "flag:9092",
                load(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"), Map.of(Setting.BOOTSTRAP_SERVERS, "flag:9092"))
                        .bootstrapServers());
        assertEquals(
                List.of("bootstrap.servers: set differently by environment variable KAFKA_BOOTSTRAP_SERVERS and "
                        + "environment variable PREFECT_CDC_BOOTSTRAP_SERVERS"),
                problems(
                        Map.of("KAFKA_BOOTSTRAP_SERVERS", "a:9092", "PREFECT_CDC_BOOTSTRAP_SERVERS", "b:9092"),
                        Map.of()));
    }

    @Test
    void logLevelVariablesAreNotWarnedAbout() throws Exception {
        assertEquals(
                List.of(),
                load(Map.of("PREFECT_CDC_LOG_LEVEL", "DEBUG", "PREFECT_CDC_ROOT_LOG_LEVEL", "INFO"), Map.of())
                        .warnings());
    }

    @Test
    void theTopologyGetsItsSettingsAndTheEncryptionKeyFromTheEnvironment() throws Exception {
        AppConfig config = load(Map.of(), Map.of(Setting.TOPIC_PREFIX, "staging", Setting.EMIT_SNAPSHOT_READS, "true"));
        var topology = config.sources(Map.of()).get(0);
        assertEquals("staging.cdc", topology.cdcTopic());
        assertEquals("prefect", topology.source(), "the one source's name without sources: its stores are prefect-*");
        assertTrue(topology.emitSnapshotReads());
        assertEquals(Optional.empty(), topology.keyOverride());

        String key = "not-a-fernet-key-hunter2";
        InvalidConfigException bad = assertThrows(
                InvalidConfigException.class, () -> config.sources(Map.of("PREFECT_SERVER_ENCRYPTION_KEY", key)));
        assertTrue(bad.getMessage().contains("PREFECT_SERVER_ENCRYPTION_KEY"), bad.getMessage());
        assertFalse(bad.getMessage().contains("hunter2"), bad.getMessage());
    }

    private Path file(String content) throws IOException {
        Path file = Files.createTempFile(tmp, "app", ".properties");
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static AppConfig load(Map<String, String> env, Map<Setting, String> flags) throws InvalidConfigException {
        return AppConfig.load(env, flags);
    }

    private static List<String> problems(Map<String, String> env, Map<Setting, String> flags) {
        return assertThrows(InvalidConfigException.class, () -> AppConfig.load(env, flags))
                .problems();
    }
}
