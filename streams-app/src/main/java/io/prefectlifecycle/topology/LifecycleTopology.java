package io.prefectlifecycle.topology;

import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.util.Optional;

/**
 * The Kafka Streams wiring.
 * <pre>
 * cdc-source ──▶ lifecycle-events ──▶ events-sink       (prefect.lifecycle-events)
 *  (pattern)        │ [prefect-rows, └─▶ dead-letter-sink (prefect.lifecycle-events.dlq)
 *                   │  prefect-transactions]
 * </pre>
 * <ul>
 *   <li>{@code cdc-source}: Debezium's topics {@code <prefix>.<schema>.<table>} for every captured table; key and
 *       value as JsonConverter writes them (schema wrapper optional) or as an Avro converter writes them through the
 *       schema registry (told per record), and Debezium's {@code <prefix>.transaction} topic.
 *       All tables are read by one source so that
 *       one task sees every table: a block document finds its schema and the Fernet key in the same task's store.
 *       The CDC topics must therefore have equal partition counts (Debezium's default, one).</li>
 *   <li>{@code lifecycle-events}: {@link LifecycleProcessor}, state in the changelogged stores {@code prefect-rows}
 *       (last full row per table and primary key) and {@code prefect-transactions} (changes waiting for the rest
 *       of their transaction; see docs/adr/0002).</li>
 *   <li>{@code events-sink}: key = resource id ({@code prefect.variable.<uuid>}, UTF-8), value = the event JSON, or
 *       with {@code event.format=avro} the event as Avro in the Confluent wire format (schema id of the subject
 *       {@code <events topic>-value}; docs/adr/0003), headers {@code prefect.event} and {@code prefect.resource.id}.
 *       </li>
 *   <li>{@code dead-letter-sink}: the original key and value bytes, headers {@code dlq.source.topic},
 *       {@code dlq.source.partition}, {@code dlq.source.offset}, {@code dlq.reason}, {@code dlq.exception.class}.</li>
 * </ul>
 */
public final class LifecycleTopology {

    public static final String SOURCE = "cdc-source";
    public static final String PROCESSOR = "lifecycle-events";
    public static final String EVENTS_SINK = "events-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    public static final String ROW_STORE = "prefect-rows";
    public static final String TRANSACTION_STORE = "prefect-transactions";

    private LifecycleTopology() {
    }

    public static Topology build(TopologySettings settings) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), settings.cdcTopics());
        // one client per app: its caches outlive tasks and replaced threads
        Optional<SchemaRegistryClient> registry = settings.schemaRegistry().map(r -> new SchemaRegistryClient(r.url()));
        topology.addProcessor(PROCESSOR, () -> new LifecycleProcessor(settings, registry), SOURCE);
        // cached: between commits a key is written to RocksDB and the changelog once, however often it changed (a
        // churned concurrency slot, a transaction's buffer entries that are written and deleted in one commit)
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(ROW_STORE), Serdes.String(), Serdes.ByteArray()).withCachingEnabled(),
                PROCESSOR);
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(TRANSACTION_STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled(), PROCESSOR);
        topology.addSink(EVENTS_SINK, settings.eventsTopic(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
        topology.addSink(DEAD_LETTER_SINK, settings.deadLetterTopic(),
                new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
        return topology;
    }
}
