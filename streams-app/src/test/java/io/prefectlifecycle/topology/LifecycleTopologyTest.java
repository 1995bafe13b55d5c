package io.prefectlifecycle.topology;

import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Catches accidental topology changes: a changed description means changed internal topics or state. */
class LifecycleTopologyTest {

    @Test
    void theTopologyIsTheDocumentedOne() {
        String description =
                LifecycleTopology.build(TopologySettings.defaults()).describe().toString();
        String expected = """
                Topologies:
                   Sub-topology: 0
                    Source: cdc-source (topics: \\Qprefect.cdc\\E)
                      --> lifecycle-events
                    Processor: lifecycle-events (stores: [prefect-open-transaction, prefect-rows])
                      --> dead-letter-sink, events-sink
                      <-- cdc-source
                    Sink: dead-letter-sink (topic: prefect.lifecycle-events.dlq)
                      <-- lifecycle-events
                    Sink: events-sink (topic: prefect.lifecycle-events)
                      <-- lifecycle-events
                """;
        assertEquals(expected.strip(), description.strip());
    }

    /**
     * One sub-topology (so one task) per source, with its own stores: a source appended to the list keeps every other
     * source's sub-topology id, hence its task id {@code <id>_0} and its state directory {@code <state.dir>/<app>/<id>_0}.
     * This pins Kafka Streams' numbering (4.3: in the order nodes are added); if an upgrade changes it, appending a
     * source would move state, and docs/operations.md (Many Prefect servers) must say so.
     */
    @Test
    void eachSourceIsOneSubTopologyAndAppendingOneKeepsTheOthersIds() {
        Map<String, Integer> two = subTopologyOfSource(LifecycleTopology.build(List.of(source("prod"), source("dev"))));
        Map<String, Integer> three =
                subTopologyOfSource(LifecycleTopology.build(List.of(source("prod"), source("dev"), source("staging"))));
        assertEquals(Map.of("prod.cdc-source", 0, "dev.cdc-source", 1), two);
        assertEquals(Map.of("prod.cdc-source", 0, "dev.cdc-source", 1, "staging.cdc-source", 2), three);
        // not sorted by name: "aaa" appended still comes last
        assertEquals(
                3,
                subTopologyOfSource(LifecycleTopology.build(
                                List.of(source("prod"), source("dev"), source("staging"), source("aaa"))))
                        .get("aaa.cdc-source"));

        Map<String, Set<String>> stores = new HashMap<>();
        Map<String, Set<String>> sinks = new HashMap<>();
        for (TopologyDescription.Subtopology sub : LifecycleTopology.build(List.of(source("prod"), source("dev")))
                .describe()
                .subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Processor processor) {
                    stores.put(processor.name(), processor.stores());
                } else if (node instanceof TopologyDescription.Sink sink) {
                    sinks.computeIfAbsent(sub.id() + "", k -> new TreeSet<>()).add(sink.name() + " " + sink.topic());
                }
            }
        }
        assertEquals(
                Map.of(
                        "prod.lifecycle-events",
                        Set.of("prod-rows", "prod-open-transaction"),
                        "dev.lifecycle-events",
                        Set.of("dev-rows", "dev-open-transaction")),
                stores,
                "each source its own stores");
        assertEquals(
                Map.of(
                        "0",
                                Set.of(
                                        "prod.events-sink prefect.lifecycle-events",
                                        "prod.dead-letter-sink prefect.lifecycle-events.dlq"),
                        "1",
                                Set.of(
                                        "dev.events-sink prefect.lifecycle-events",
                                        "dev.dead-letter-sink prefect.lifecycle-events.dlq")),
                sinks,
                "one events topic and one dead-letter topic for all");
    }

    @Test
    void aSourceNamedTwiceIsRefused() {
        IllegalArgumentException twice = assertThrows(
                IllegalArgumentException.class, () -> LifecycleTopology.build(List.of(source("prod"), source("prod"))));
        assertEquals("the source prod is listed twice", twice.getMessage());
    }

    private static TopologySettings source(String name) {
        return new TopologySettings(
                        TopologySettings.cdcTopicOf("prefect-" + name),
                        TopologySettings.DEFAULT_EVENTS_TOPIC,
                        TopologySettings.DEFAULT_DEAD_LETTER_TOPIC,
                        Optional.empty(),
                        false)
                .withSource(name, false);
    }

    private static Map<String, Integer> subTopologyOfSource(Topology topology) {
        Map<String, Integer> ids = new HashMap<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            sub.nodes().stream()
                    .filter(n -> n instanceof TopologyDescription.Source)
                    .forEach(n -> ids.put(n.name(), sub.id()));
        }
        return ids;
    }

    @Test
    void theSourceIsTheOneChangeStreamOfTheTopicPrefix() {
        assertEquals("prefect.cdc", TopologySettings.defaults().cdcTopic());
        assertEquals("staging.cdc", TopologySettings.cdcTopicOf("staging"));
    }
}
