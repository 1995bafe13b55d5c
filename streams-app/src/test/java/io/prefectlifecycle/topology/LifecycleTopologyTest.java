package io.prefectlifecycle.topology;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Catches accidental topology changes: a changed description means changed internal topics or state. */
class LifecycleTopologyTest {

    @Test
    void theTopologyIsTheDocumentedOne() {
        String description = LifecycleTopology.build(TopologySettings.defaults()).describe().toString();
        String expected = """
                Topologies:
                   Sub-topology: 0
                    Source: cdc-source (topics: \\Qprefect.\\E(\\Qpublic.\\E(\\Qvariable\\E|\\Qflow\\E|\\Qblock_type\\E|\\Qblock_document\\E|\\Qconcurrency_limit_v2\\E|\\Qconcurrency_limit\\E|\\Qartifact_collection\\E|\\Qautomation\\E|\\Qblock_schema\\E|\\Qconfiguration\\E)|\\Qtransaction\\E))
                      --> lifecycle-events
                    Processor: lifecycle-events (stores: [prefect-rows, prefect-transactions])
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
    void theSourcePatternMatchesCapturedTablesOnly() {
        TopologySettings settings = TopologySettings.defaults();
        assertTrue(settings.cdcTopics().matcher("prefect.public.concurrency_limit_v2").matches());
        assertTrue(settings.cdcTopics().matcher("prefect.public.concurrency_limit").matches());
        assertFalse(settings.cdcTopics().matcher("prefect.public.flow_run").matches());
        assertTrue(settings.cdcTopics().matcher("prefect.transaction").matches());
        assertFalse(settings.cdcTopics().matcher("prefect.public.transaction").matches());
        assertEquals("prefect.public.flow", settings.cdcTopic("flow"));
    }
}
