package io.prefectlifecycle.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What local reads from connect-config/prefect-connector.json: the heartbeat table and Prefect's own tables. */
class ConnectorDefinitionTest {

    private final ConnectorDefinition shipped = ConnectorDefinition.load();

    @Test
    void theHeartbeatTableIsTheOneTheActionQueryWrites() {
        assertEquals(Optional.of("public.prefect_cdc_heartbeat"), shipped.heartbeatTable());
        assertFalse(shipped.prefectTables().contains("public.prefect_cdc_heartbeat"));
        assertEquals(shipped.tables().size() - 1, shipped.prefectTables().size());
        assertTrue(shipped.prefectTables().contains("public.variable"));
        assertEquals("prefect_lifecycle", shipped.publicationName());
    }

    @Test
    void withoutTheHeartbeatTableNeitherTheQueryNorTheTableRemain() {
        ConnectorDefinition without = shipped.withoutHeartbeatTable();
        assertFalse(without.config().containsKey("heartbeat.action.query"));
        assertEquals(shipped.prefectTables(), without.tables());
        assertEquals(Optional.empty(), without.heartbeatTable());
        assertEquals(shipped.config().get("heartbeat.interval.ms"), without.config().get("heartbeat.interval.ms"),
                "heartbeat records still flow");
        assertEquals(shipped.config().size() - 1, without.config().size(), "nothing else changes");
    }
}
