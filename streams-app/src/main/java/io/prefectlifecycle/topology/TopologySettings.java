package io.prefectlifecycle.topology;

import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the topology needs to know.
 *
 * @param topicPrefix       Debezium's {@code topic.prefix}: CDC topics are {@code <prefix>.<schema>.<table>}
 * @param schema            the PostgreSQL schema holding Prefect's tables
 * @param eventsTopic       where events go
 * @param deadLetterTopic   where undecodable records go
 * @param keyOverride       the Fernet key from the environment, if set
 * @param emitSnapshotReads  whether snapshot reads become {@code created} events
 * @param transactionTimeout how long a transaction may wait for its END record and changes before it is emitted
 *                           with what arrived
 * @param eventFormat       how events are written: Prefect's JSON, or Avro through the schema registry
 * @param schemaRegistry    the Confluent-compatible schema registry: for Avro events, and for Avro input records
 */
public record TopologySettings(
        String topicPrefix, String schema, String eventsTopic, String deadLetterTopic,
        Optional<FernetKey> keyOverride, boolean emitSnapshotReads, Duration transactionTimeout,
        EventFormat eventFormat, Optional<SchemaRegistrySettings> schemaRegistry) {

    public TopologySettings {
        if (eventFormat == EventFormat.AVRO && schemaRegistry.isEmpty()) {
            throw new IllegalArgumentException("Avro events need a schema registry");
        }
    }

    /** JSON events, no schema registry. */
    public TopologySettings(String topicPrefix, String schema, String eventsTopic, String deadLetterTopic,
                            Optional<FernetKey> keyOverride, boolean emitSnapshotReads, Duration transactionTimeout) {
        this(topicPrefix, schema, eventsTopic, deadLetterTopic, keyOverride, emitSnapshotReads, transactionTimeout,
                EventFormat.JSON, Optional.empty());
    }

    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(5);
    /**
     * The transaction timeout runs on the CDC records' timestamps, so an app that is behind
     * does not cut a transaction whose END is already waiting in its input; when no record arrives at all, the wall
     * clock takes over after this long.
     */
    public static final Duration TRANSACTION_TIMEOUT_IDLE_FALLBACK = Duration.ofSeconds(60);

    public static final String DEFAULT_EVENTS_TOPIC = "prefect.lifecycle-events";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "prefect.lifecycle-events.dlq";

    public static TopologySettings defaults() {
        return new TopologySettings("prefect", "public", DEFAULT_EVENTS_TOPIC, DEFAULT_DEAD_LETTER_TOPIC,
                Optional.empty(), false, DEFAULT_TRANSACTION_TIMEOUT);
    }

    /**
     * The CDC topics of every captured table and Debezium's transaction topic: a pattern, so tables Debezium has
     * not written to yet are fine.
     */
    public Pattern cdcTopics() {
        String tables = Kinds.tables().stream().map(Pattern::quote).collect(Collectors.joining("|"));
        return Pattern.compile(Pattern.quote(topicPrefix + ".")
                + "(" + Pattern.quote(schema + ".") + "(" + tables + ")|" + Pattern.quote("transaction") + ")");
    }

    /** Debezium's BEGIN/END records ({@code provide.transaction.metadata=true}). */
    public String transactionTopic() {
        return topicPrefix + ".transaction";
    }

    public TopologySettings withTransactionTimeout(Duration timeout) {
        return new TopologySettings(topicPrefix, schema, eventsTopic, deadLetterTopic, keyOverride, emitSnapshotReads,
                timeout, eventFormat, schemaRegistry);
    }

    /** These settings with events written in {@code format}, through {@code registry}. */
    public TopologySettings withEventFormat(EventFormat format, Optional<SchemaRegistrySettings> registry) {
        return new TopologySettings(topicPrefix, schema, eventsTopic, deadLetterTopic, keyOverride, emitSnapshotReads,
                transactionTimeout, format, registry);
    }

    /**
     * How events are turned into record values for {@code topic} (its subject {@code <topic>-value} for Avro): the
     * live topology and {@code replay} both write through this.
     *
     * @param registry the client of {@link #schemaRegistry()}, shared so that its caches are
     */
    public EventEncoder eventEncoder(Optional<SchemaRegistryClient> registry, String topic) {
        return switch (eventFormat) {
            case JSON -> EventEncoder.JSON;
            case AVRO -> new AvroEventEncoder(registry.orElseThrow(), topic, schemaRegistry.orElseThrow().autoRegister());
        };
    }

    public String cdcTopic(String table) {
        return topicPrefix + "." + schema + "." + table;
    }
}
