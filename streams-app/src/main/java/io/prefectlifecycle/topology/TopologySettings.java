package io.prefectlifecycle.topology;

import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the topology needs to know.
 *
 * @param cdcTopic          the database's ordered change stream: every captured table's changes and Debezium's
 *                          BEGIN/END records, one partition ({@code <topic.prefix>.cdc}, connect-config/)
 * @param eventsTopic       where events go
 * @param deadLetterTopic   where undecodable records go
 * @param keyOverride       the Fernet key from the environment, if set
 * @param emitSnapshotReads whether snapshot reads become {@code created} events
 * @param eventFormat       how events are written: Prefect's JSON, or Avro through the schema registry
 * @param schemaRegistry    the Confluent-compatible schema registry: for Avro events, and for Avro input records
 * @param source            the source's name: its state stores' prefix ({@code <source>-rows}), the value of the
 *                          {@value #SOURCE_HEADER} header of its events and dead letters, its metrics' {@code source}
 * @param sourceLabel       whether the events' resource gets the label {@value #SOURCE_LABEL} = {@code source}
 */
public record TopologySettings(
        String cdcTopic,
        String eventsTopic,
        String deadLetterTopic,
        Optional<FernetKey> keyOverride,
        boolean emitSnapshotReads,
        EventFormat eventFormat,
        Optional<SchemaRegistrySettings> schemaRegistry,
        String source,
        boolean sourceLabel) {

    public static final String DEFAULT_TOPIC_PREFIX = "prefect";
    public static final String DEFAULT_EVENTS_TOPIC = "prefect.lifecycle-events";
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "prefect.lifecycle-events.dlq";
    /**
     * The name of the one source of an app configured without {@code sources}: its stores are {@code prefect-rows} and
     * {@code prefect-open-transaction}, the names every release before sources had.
     */
    public static final String DEFAULT_SOURCE = "prefect";
    /** The Kafka header naming the source of an event or dead letter. */
    public static final String SOURCE_HEADER = "prefect.cdc.source";
    /** The resource label naming an event's source, with {@code source.label}. */
    public static final String SOURCE_LABEL = "prefect.cdc.source";
    /** A source name: lower case, so that it is a topic-name part, a metric label and an environment suffix alike. */
    public static final Pattern SOURCE_NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public TopologySettings {
        if (eventFormat == EventFormat.AVRO && schemaRegistry.isEmpty()) {
            throw new IllegalArgumentException("Avro events need a schema registry");
        }
        if (!SOURCE_NAME.matcher(source).matches()) {
            throw new IllegalArgumentException("source name '" + source + "': must be 1 to 63 of a-z 0-9 _ -, "
                    + "starting with a letter or digit");
        }
    }

    /** The default source, without its label. */
    public TopologySettings(
            String cdcTopic,
            String eventsTopic,
            String deadLetterTopic,
            Optional<FernetKey> keyOverride,
            boolean emitSnapshotReads,
            EventFormat eventFormat,
            Optional<SchemaRegistrySettings> schemaRegistry) {
        this(
                cdcTopic,
                eventsTopic,
                deadLetterTopic,
                keyOverride,
                emitSnapshotReads,
                eventFormat,
                schemaRegistry,
                DEFAULT_SOURCE,
                false);
    }

    /** JSON events, no schema registry. */
    public TopologySettings(
            String cdcTopic,
            String eventsTopic,
            String deadLetterTopic,
            Optional<FernetKey> keyOverride,
            boolean emitSnapshotReads) {
        this(
                cdcTopic,
                eventsTopic,
                deadLetterTopic,
                keyOverride,
                emitSnapshotReads,
                EventFormat.JSON,
                Optional.empty());
    }

    public static TopologySettings defaults() {
        return new TopologySettings(
                cdcTopicOf(DEFAULT_TOPIC_PREFIX),
                DEFAULT_EVENTS_TOPIC,
                DEFAULT_DEAD_LETTER_TOPIC,
                Optional.empty(),
                false);
    }

    /** The change stream Debezium writes for {@code topic.prefix} through connect-config's routing. */
    public static String cdcTopicOf(String topicPrefix) {
        return topicPrefix + ".cdc";
    }

    /** These settings with events written in {@code format}, through {@code registry}. */
    public TopologySettings withEventFormat(EventFormat format, Optional<SchemaRegistrySettings> registry) {
        return new TopologySettings(
                cdcTopic,
                eventsTopic,
                deadLetterTopic,
                keyOverride,
                emitSnapshotReads,
                format,
                registry,
                source,
                sourceLabel);
    }

    /** These settings for the source {@code name}, its events with the {@value #SOURCE_LABEL} label or not. */
    public TopologySettings withSource(String name, boolean label) {
        return new TopologySettings(
                cdcTopic,
                eventsTopic,
                deadLetterTopic,
                keyOverride,
                emitSnapshotReads,
                eventFormat,
                schemaRegistry,
                name,
                label);
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
            case AVRO ->
                new AvroEventEncoder(
                        registry.orElseThrow(),
                        topic,
                        schemaRegistry.orElseThrow().autoRegister());
        };
    }
}
