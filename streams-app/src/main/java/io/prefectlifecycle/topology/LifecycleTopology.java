package io.prefectlifecycle.topology;

import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Kafka Streams wiring.
 * <pre>
 * cdc-source ──▶ lifecycle-events ──▶ events-sink       (prefect.lifecycle-events)
 * (prefect.cdc)    │ [prefect-rows, └─▶ dead-letter-sink (prefect.lifecycle-events.dlq)
 *                  │  prefect-open-transaction]
 * </pre>
 * <ul>
 *   <li>{@code cdc-source}: the database's change stream {@code <topic.prefix>.cdc}, one partition: Debezium's change
 *       records of every captured table and its BEGIN/END records, routed into one topic (connect-config/), so in
 *       the order PostgreSQL committed them. Key and value as JsonConverter writes them (schema wrapper optional) or
 *       as an Avro converter writes them through the schema registry (told per record). Subscribed as a pattern of
 *       the one name, so that the app may start before Debezium has written to it.</li>
 *   <li>{@code lifecycle-events}: {@link LifecycleProcessor}, state in the changelogged stores {@code prefect-rows}
 *       (last full row per table and primary key, with the LSN and transaction that changed it) and
 *       {@code prefect-open-transaction} (the rows the transaction being read has changed so far; see
 *       docs/adr/0004).</li>
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
    public static final String TRANSACTION_STORE = "prefect-open-transaction";

    private LifecycleTopology() {
    }

    public static Topology build(TopologySettings settings) {
        Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Pattern.compile(Pattern.quote(settings.cdcTopic())));
        // one client per app: its caches outlive tasks and replaced threads
        Optional<SchemaRegistryClient> registry = settings.schemaRegistry().map(r -> new SchemaRegistryClient(r.url()));
        topology.addProcessor(PROCESSOR, () -> new LifecycleProcessor(settings, registry), SOURCE);
        // cached: between commits a key is written to RocksDB and the changelog once, however often it changed (a
        // churned concurrency slot; the open transaction's entries, rewritten by every transaction)
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
