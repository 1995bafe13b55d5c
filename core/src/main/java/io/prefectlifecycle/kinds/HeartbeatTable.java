package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.IgnoredCategory;

/**
 * Debezium's heartbeat table ({@code schemas/debezium-heartbeat.sql}), which the connector's heartbeat action writes
 * every few seconds (connect-config/): no event of its own, but each write is a transaction, so it ends the one before
 * it when Debezium sends no transaction metadata, and its LSN tells a heartbeat sent again from a new one.
 */
public record HeartbeatTable(String table) implements ObjectKind {

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        return new KindResult.Silent(IgnoredCategory.HEARTBEAT, "heartbeat");
    }

    @Override
    public boolean emitsEvents() {
        return false;
    }
}
