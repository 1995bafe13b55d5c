package io.prefectlifecycle.topology;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Catches accidental topology changes: a changed description means changed internal topics or state. */
class LifecycleTopologyTest {

    @Test
    void theTopologyIsTheDocumentedOne() {
        String description = LifecycleTopology.build(TopologySettings.defaults()).describe().toString();
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

    @Test
    void theSourceIsTheOneChangeStreamOfTheTopicPrefix() {
        assertEquals("prefect.cdc", TopologySettings.defaults().cdcTopic());
        assertEquals("staging.cdc", TopologySettings.cdcTopicOf("staging"));
    }
}
