package io.prefectlifecycle.topology;

import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The Kafka Streams wiring: one sub-topology per source (a Prefect database's change stream), so one task per source,
 * which Kafka Streams spreads over the running instances and moves on failure.
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
 *   <li>{@code lifecycle-events}: {@link LifecycleProcessor}, state in the changelogged stores {@code <source>-rows}
 *       (last full row per table and primary key, with the LSN and transaction that changed it) and
 *       {@code <source>-open-transaction} (the rows the transaction being read has changed so far; see
 *       docs/adr/0004). The default source is {@code prefect}: {@code prefect-rows}, {@code prefect-open-transaction}.
 *       </li>
 *   <li>{@code events-sink}: key = resource id ({@code prefect.variable.<uuid>}, UTF-8), value = the event JSON, or
 *       with {@code event.format=avro} the event as Avro in the Confluent wire format (schema id of the subject
 *       {@code <events topic>-value}; docs/adr/0003), headers {@code prefect.event}, {@code prefect.resource.id} and
 *       {@code prefect.cdc.source}.</li>
 *   <li>{@code dead-letter-sink}: the original key and value bytes, headers {@code dlq.source.topic},
 *       {@code dlq.source.partition}, {@code dlq.source.offset}, {@code dlq.reason}, {@code dlq.exception.class},
 *       {@code prefect.cdc.source}.</li>
 * </ul>
 * With several sources each has these four nodes, named {@code <source>.cdc-source}, …, and its own two stores. Kafka
 * Streams numbers sub-topologies in the order their nodes are added (4.3: insertion order), so source {@code i} of the
 * list is sub-topology {@code i} and its task {@code i_0}: a source appended to the list leaves the other tasks' ids,
 * and with them their state directories, as they were (LifecycleTopologyTest pins this).
 */
public final class LifecycleTopology {

    public static final String SOURCE = "cdc-source";
    public static final String PROCESSOR = "lifecycle-events";
    public static final String EVENTS_SINK = "events-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
    /** The default source's stores: {@link #rowStore} and {@link #transactionStore} of {@code prefect}. */
    public static final String ROW_STORE = "prefect-rows";

    public static final String TRANSACTION_STORE = "prefect-open-transaction";

    private LifecycleTopology() {}

    public static Topology build(TopologySettings settings) {
        return build(List.of(settings));
    }

    /** One sub-topology per source, in the list's order. */
    public static Topology build(List<TopologySettings> sources) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("no source");
        }
        Set<String> names = new HashSet<>();
        for (TopologySettings source : sources) {
            if (!names.add(source.source())) {
                throw new IllegalArgumentException("the source " + source.source() + " is listed twice");
            }
        }
        Topology topology = new Topology();
        // one client per app: its caches outlive tasks and replaced threads
        Optional<SchemaRegistryClient> registry =
                sources.get(0).schemaRegistry().map(r -> new SchemaRegistryClient(r.url()));
        for (TopologySettings source : sources) {
            add(topology, source, new Nodes(sources.size() == 1 ? "" : source.source() + "."), registry);
        }
        return topology;
    }

    /** A source's state stores: {@code <source>-rows} and {@code <source>-open-transaction}. */
    public static String rowStore(String source) {
        return source + "-rows";
    }

    public static String transactionStore(String source) {
        return source + "-open-transaction";
    }

    /** The node names of one source: the unprefixed ones when it is the only source. */
    record Nodes(String prefix) {
        String source() {
            return prefix + SOURCE;
        }

        String processor() {
            return prefix + PROCESSOR;
        }

        String eventsSink() {
            return prefix + EVENTS_SINK;
        }

        String deadLetterSink() {
            return prefix + DEAD_LETTER_SINK;
        }
    }

    private static void add(
            Topology topology, TopologySettings settings, Nodes nodes, Optional<SchemaRegistryClient> registry) {
        topology.addSource(
                nodes.source(),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                Pattern.compile(Pattern.quote(settings.cdcTopic())));
        topology.addProcessor(
                nodes.processor(), () -> new LifecycleProcessor(settings, nodes, registry), nodes.source());
        // cached: between commits a key is written to RocksDB and the changelog once, however often it changed (a
        // churned concurrency slot; the open transaction's entries, rewritten by every transaction)
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(rowStore(settings.source())),
                                Serdes.String(),
                                Serdes.ByteArray())
                        .withCachingEnabled(),
                nodes.processor());
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(transactionStore(settings.source())),
                                Serdes.String(),
                                Serdes.ByteArray())
                        .withCachingEnabled(),
                nodes.processor());
        topology.addSink(
                nodes.eventsSink(),
                settings.eventsTopic(),
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                nodes.processor());
        topology.addSink(
                nodes.deadLetterSink(),
                settings.deadLetterTopic(),
                new ByteArraySerializer(),
                new ByteArraySerializer(),
                nodes.processor());
    }
}
