package io.prefectlifecycle.local;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        assertEquals(
                shipped.config().get("heartbeat.interval.ms"),
                without.config().get("heartbeat.interval.ms"),
                "heartbeat records still flow");
        assertEquals(shipped.config().size() - 1, without.config().size(), "nothing else changes");
    }

    /** docker-compose's second Prefect database: the same connector under another name, prefix and credentials. */
    @Test
    void theStagingConnectorIsTheSameConnectorOnAnotherDatabaseAndPrefix() {
        ConnectorDefinition base = ConnectorDefinition.load();
        ConnectorDefinition staging = ConnectorDefinition.load("connect-config/prefect-connector-staging.json");
        assertEquals("prefect-lifecycle-staging", staging.name());
        assertEquals("prefect-staging.cdc", staging.cdcTopic());
        assertEquals("__debezium-heartbeat.prefect-staging", staging.heartbeatTopic());
        assertEquals("${env:PREFECT_DB_STAGING_HOST}", staging.config().get("database.hostname"));
        java.util.Map<String, String> rest = new java.util.LinkedHashMap<>(staging.config());
        rest.keySet().removeIf(k -> k.startsWith("database.") || k.equals("topic.prefix"));
        java.util.Map<String, String> baseRest = new java.util.LinkedHashMap<>(base.config());
        baseRest.keySet().removeIf(k -> k.startsWith("database.") || k.equals("topic.prefix"));
        assertEquals(baseRest, rest, "everything else as prefect-connector.json");
    }
}
