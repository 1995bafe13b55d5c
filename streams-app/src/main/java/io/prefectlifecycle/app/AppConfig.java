package io.prefectlifecycle.app;

import io.prefectlifecycle.app.Setting.ProcessingGuarantee;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.topology.TopologySettings;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The configuration of {@code run}, typed and validated: one component per {@link Setting}, the Kafka client
 * settings passed through, and where each value came from. Build it with {@link #load}; it never holds the Fernet key
 * ({@link #topologySettings} reads that from the environment when the topology is built).
 *
 * @param kafka    Kafka client settings for every client of the app; their values are never shown
 * @param origins  where each setting's value came from: {@code default}, {@code file …}, {@code environment …},
 *                 {@code flag …}
 * @param warnings what was ignored while loading (unknown variables), for the start-up log
 */
public record AppConfig(
        Optional<Path> configFile,
        String bootstrapServers,
        String applicationId,
        String topicPrefix,
        String cdcTopic,
        List<CdcSource> sources,
        boolean sourceLabel,
        String eventsTopic,
        boolean eventsTopicPerSource,
        String deadLetterTopic,
        Path stateDir,
        ProcessingGuarantee processingGuarantee,
        int standbyReplicas,
        boolean emitSnapshotReads,
        EventFormat eventFormat,
        Optional<URI> schemaRegistryUrl,
        boolean schemaRegistryAutoRegister,
        int httpPort,
        Duration shutdownTimeout,
        KafkaClientSettings kafka,
        Map<Setting, String> origins,
        List<String> warnings) {

    public AppConfig {
        sources = List.copyOf(sources);
        origins = Map.copyOf(origins);
        warnings = List.copyOf(warnings);
    }

    /**
     * Defaults &lt; the properties file ({@code --config-file}, else {@code PREFECT_CDC_CONFIG_FILE}) &lt; the
     * environment &lt; flags.
     *
     * @param env   the process environment ({@code System.getenv()})
     * @param flags the flags given on the command line, as written
     * @throws InvalidConfigException listing every bad value, each with its setting and source
     */
    public static AppConfig load(Map<String, String> env, Map<Setting, String> flags) throws InvalidConfigException {
        return new ConfigLoader(env, flags).load();
    }

    /** Every setting at its default. */
    public static AppConfig defaults() {
        try {
            return load(Map.of(), Map.of());
        } catch (InvalidConfigException e) {
            throw new IllegalStateException("a default does not validate", e);
        }
    }

    @SuppressWarnings("unchecked")
    static AppConfig of(
            Map<Setting, Object> values,
            KafkaClientSettings kafka,
            Map<Setting, String> origins,
            List<String> warnings) {
        return new AppConfig(
                (Optional<Path>) values.get(Setting.CONFIG_FILE),
                (String) values.get(Setting.BOOTSTRAP_SERVERS),
                (String) values.get(Setting.APPLICATION_ID),
                (String) values.get(Setting.TOPIC_PREFIX),
                cdcTopic(values),
                (List<CdcSource>) values.get(Setting.SOURCES),
                (Boolean) values.get(Setting.SOURCE_LABEL),
                (String) values.get(Setting.EVENTS_TOPIC),
                (Boolean) values.get(Setting.EVENTS_TOPIC_PER_SOURCE),
                (String) values.get(Setting.DEAD_LETTER_TOPIC),
                (Path) values.get(Setting.STATE_DIR),
                (ProcessingGuarantee) values.get(Setting.PROCESSING_GUARANTEE),
                (Integer) values.get(Setting.STANDBY_REPLICAS),
                (Boolean) values.get(Setting.EMIT_SNAPSHOT_READS),
                (EventFormat) values.get(Setting.EVENT_FORMAT),
                (Optional<URI>) values.get(Setting.SCHEMA_REGISTRY_URL),
                (Boolean) values.get(Setting.SCHEMA_REGISTRY_AUTO_REGISTER),
                (Integer) values.get(Setting.HTTP_PORT),
                (Duration) values.get(Setting.SHUTDOWN_TIMEOUT),
                kafka,
                origins,
                warnings);
    }

    /** {@code cdc.topic}, else {@code <topic.prefix>.cdc}. */
    @SuppressWarnings("unchecked")
    static String cdcTopic(Map<Setting, Object> values) {
        return ((Optional<String>) values.get(Setting.CDC_TOPIC))
                .orElseGet(() -> TopologySettings.cdcTopicOf((String) values.get(Setting.TOPIC_PREFIX)));
    }

    /**
     * What the topology needs, one entry per source in the configured order: without {@code sources}, the one source
     * {@value TopologySettings#DEFAULT_SOURCE} reading {@code cdc.topic}. A source's Fernet key override is
     * {@code PREFECT_SERVER_ENCRYPTION_KEY_<NAME>} when set, else {@code PREFECT_SERVER_ENCRYPTION_KEY}.
     *
     * @throws InvalidConfigException naming the variable (never its value) when it is not a Fernet key
     */
    public List<TopologySettings> sources(Map<String, String> env) throws InvalidConfigException {
        try {
            Optional<FernetKey> common = EncryptionKeys.fromEnvironment(env);
            if (sources.isEmpty()) {
                return List.of(settings(cdcTopic, TopologySettings.DEFAULT_SOURCE, common));
            }
            List<TopologySettings> all = new ArrayList<>();
            for (CdcSource source : sources) {
                Optional<FernetKey> own = EncryptionKeys.fromVariable(env, source.keyVariable());
                all.add(settings(source.cdcTopic(), source.name(), own.or(() -> common)));
            }
            return all;
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(List.of(e.getMessage()));
        }
    }

    private TopologySettings settings(String cdc, String source, Optional<FernetKey> key) {
        return new TopologySettings(
                cdc,
                eventsTopicOf(source),
                deadLetterTopic,
                key,
                emitSnapshotReads,
                eventFormat,
                schemaRegistry(),
                source,
                sourceLabel);
    }

    /** The events topic of a source: {@code events.topic}, or {@code <events.topic>.<source>} per source. */
    public String eventsTopicOf(String source) {
        return eventsTopicPerSource ? eventsTopic + "." + source : eventsTopic;
    }

    /** The schema registry, when {@code schema.registry.url} is set. */
    public Optional<SchemaRegistrySettings> schemaRegistry() {
        return schemaRegistryUrl.map(url -> new SchemaRegistrySettings(url, schemaRegistryAutoRegister));
    }

    /** The value of every setting as given (a password in the registry URL masked), for the start-up log. */
    public Map<Setting, String> values() {
        Map<Setting, String> values = new EnumMap<>(Setting.class);
        values.put(Setting.CONFIG_FILE, configFile.map(Path::toString).orElse(""));
        values.put(Setting.BOOTSTRAP_SERVERS, bootstrapServers);
        values.put(Setting.APPLICATION_ID, applicationId);
        values.put(Setting.TOPIC_PREFIX, topicPrefix);
        values.put(Setting.CDC_TOPIC, cdcTopic);
        values.put(Setting.SOURCES, sources.stream().map(CdcSource::toString).collect(Collectors.joining(",")));
        values.put(Setting.SOURCE_LABEL, Boolean.toString(sourceLabel));
        values.put(Setting.EVENTS_TOPIC, eventsTopic);
        values.put(Setting.EVENTS_TOPIC_PER_SOURCE, Boolean.toString(eventsTopicPerSource));
        values.put(Setting.DEAD_LETTER_TOPIC, deadLetterTopic);
        values.put(Setting.STATE_DIR, stateDir.toString());
        values.put(Setting.PROCESSING_GUARANTEE, processingGuarantee.streamsValue());
        values.put(Setting.STANDBY_REPLICAS, Integer.toString(standbyReplicas));
        values.put(Setting.EMIT_SNAPSHOT_READS, Boolean.toString(emitSnapshotReads));
        values.put(Setting.EVENT_FORMAT, eventFormat.value());
        values.put(
                Setting.SCHEMA_REGISTRY_URL,
                Setting.SCHEMA_REGISTRY_URL.shown(
                        schemaRegistryUrl.map(URI::toString).orElse("")));
        values.put(Setting.SCHEMA_REGISTRY_AUTO_REGISTER, Boolean.toString(schemaRegistryAutoRegister));
        values.put(Setting.HTTP_PORT, Integer.toString(httpPort));
        values.put(Setting.SHUTDOWN_TIMEOUT, shutdownTimeout.toString());
        return values;
    }

    /** One line per setting with its origin, then the Kafka client settings' keys (never their values). */
    @Override
    public String toString() {
        Map<Setting, String> values = values();
        return Arrays.stream(Setting.values())
                .map(s -> s.key() + "=" + values.get(s) + " (" + origins.get(s) + ")")
                .collect(Collectors.joining("\n", "", "\nKafka client settings: " + kafka));
    }
}
