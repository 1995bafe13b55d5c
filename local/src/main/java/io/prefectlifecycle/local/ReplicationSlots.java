package io.prefectlifecycle.local;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Drops logical replication slots. A slot whose WAL sender is still attached cannot be dropped, so that backend is
 * ended first (its client, the Connect task, should already be gone; PostgreSQL may not have noticed yet).
 */
final class ReplicationSlots {

    private ReplicationSlots() {}

    /** Drops the named slot of this connection's database; nothing when there is none. */
    static void drop(Connection c, String slotName, Duration timeout) throws SQLException, TimeoutException {
        dropWhere(c, "slot_name = ?", slotName, timeout);
    }

    /** Drops every slot of the cluster (a throwaway cluster's, before it stops). */
    static void dropAll(Connection c, Duration timeout) throws SQLException, TimeoutException {
        dropWhere(c, "? IS NOT NULL", "all", timeout);
    }

    private static void dropWhere(Connection c, String condition, String parameter, Duration timeout)
            throws SQLException, TimeoutException {
        try (PreparedStatement terminate = c.prepareStatement("SELECT pg_terminate_backend(active_pid) FROM "
                        + "pg_replication_slots WHERE active_pid IS NOT NULL AND " + condition);
                PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) FROM "
                        + "pg_replication_slots WHERE NOT active AND " + condition);
                PreparedStatement left =
                        c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE " + condition)) {
            terminate.setString(1, parameter);
            drop.setString(1, parameter);
            left.setString(1, parameter);
            Support.await("replication slots dropped", timeout, Duration.ofMillis(100), () -> {
                terminate.execute();
                drop.execute();
                try (ResultSet rs = left.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) == 0 ? Optional.of(true) : Optional.empty();
                }
            });
        }
    }
}
