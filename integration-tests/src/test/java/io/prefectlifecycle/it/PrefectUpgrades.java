package io.prefectlifecycle.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.testsupport.CdcCapture.Captured;
import io.prefectlifecycle.testsupport.CdcCapture.Transaction;
import io.prefectlifecycle.testsupport.PrefectRelease;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prefect upgrades as Alembic runs them on PostgreSQL ({@code _migrations/env.py}: {@code transaction_per_migration}),
 * migration by migration: each in a transaction of its own that ends with
 * {@code UPDATE alembic_version SET version_num=<new> WHERE alembic_version.version_num = <old>}, except what a
 * migration runs inside {@code autocommit_block()}, which commits statement by statement. Only the statements on the
 * tables of schemas/ are issued; a migration that touches none of them is its version update alone.
 */
final class PrefectUpgrades {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PrefectUpgrades() {}

    /** 2.12.0 (5f623ddbf7fe) to 2.14.3 (cef24af2ec34). */
    static void from2_12_0To2_14_3(PrefectServerWrites prefect) throws SQLException {
        Connection db = prefect.connection();
        migrate(db, "5f623ddbf7fe", "50f8c182c3ca"); // worker.heartbeat_interval_seconds
        migrate(db, "50f8c182c3ca", "db0eb3973a54"); // deployment.enforce_parameter_schema
        migrate(
                db,
                "db0eb3973a54",
                "4e9a6f93eb6c",
                "UPDATE concurrency_limit_v2 SET slot_decay_per_second = 0.0 WHERE slot_decay_per_second is null",
                "ALTER TABLE concurrency_limit_v2 ALTER COLUMN slot_decay_per_second SET NOT NULL");
        migrate(db, "4e9a6f93eb6c", "05ea6f882b1d"); // task_run.flow_run_id, log.flow_run_id nullable
        migrate(db, "05ea6f882b1d", "bfe653bbf62e"); // deployment.last_polled
        // cef24af2ec34: the column in the migration's transaction, then two autocommit blocks
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            s.execute("ALTER TABLE block_document ADD COLUMN block_type_name VARCHAR");
            db.commit();
        } finally {
            db.setAutoCommit(true);
        }
        try (Statement s = db.createStatement()) {
            s.execute("CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_block_document__block_type_name__name "
                    + "ON block_document (block_type_name, name)");
            String backfill = "WITH null_block_type_name_cte AS (SELECT id from block_document where block_type_name "
                    + "is null limit 500) UPDATE block_document SET block_type_name = block_type.name FROM block_type, "
                    + "null_block_type_name_cte WHERE block_document.block_type_id = block_type.id "
                    + "AND block_document.id = null_block_type_name_cte.id";
            while (s.executeUpdate(backfill) > 0) {
                // until every document has its type's name
            }
        }
        migrate(db, "bfe653bbf62e", "cef24af2ec34");
    }

    /**
     * Upgrade's WAL: the migrations that write no captured row are transactions with only their alembic_version
     * change; 4e9a6f93eb6c's data fix shares its transaction with it, last; cef24af2ec34's back-fill commits on its
     * own, without alembic_version, and leaves {@code updated} as it was.
     */
    static void check2_12_0To2_14_3(List<Transaction> transactions) {
        List<Transaction> versioned = transactions.stream()
                .filter(tx -> tx.tables().contains("alembic_version"))
                .toList();
        assertEquals(6, versioned.size(), "one transaction per migration with its alembic_version change");
        for (Transaction tx : versioned) {
            List<Captured> changes = live(tx);
            assertEquals("alembic_version", changes.get(changes.size() - 1).table(), "alembic_version comes last");
        }
        assertEquals(
                List.of("concurrency_limit_v2", "alembic_version"),
                List.copyOf(tableSequence(versioned.get(2))),
                "4e9a6f93eb6c: its data fix, then the version");
        List<Transaction> backfill = transactions.stream()
                .filter(tx -> tx.tables().equals(java.util.Set.of("block_document")))
                .toList();
        assertFalse(backfill.isEmpty(), "the back-fill commits on its own");
        for (Captured change :
                backfill.stream().flatMap(tx -> live(tx).stream()).toList()) {
            assertFalse(change.valueJson().path("after").path("block_type_name").isNull(), "back-filled");
        }
        System.out.println("PrefectWritePatternsIT 2.12.0 -> 2.14.3: " + describe(transactions));
    }

    /** 2.20.0 (b23c83a12cb4) to 3.0.0 (97429116795e); then the 3.0 server writes variables as JSON. */
    static void from2_20_0To3_0_0(PrefectServerWrites prefect) throws SQLException {
        Connection db = prefect.connection();
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            // 94622c1663e8: json.dumps() of every value into a new JSONB column, which replaces the old one
            s.execute("ALTER TABLE variable ADD COLUMN json_value JSONB");
            Map<String, String> values = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery("SELECT id, value FROM variable")) {
                while (rs.next()) {
                    values.put(rs.getString(1), rs.getString(2));
                }
            }
            for (Map.Entry<String, String> value : values.entrySet()) {
                try (PreparedStatement update =
                        db.prepareStatement("UPDATE variable SET json_value = ?::jsonb WHERE id = ?::uuid")) {
                    update.setString(1, jsonDumps(value.getValue()));
                    update.setString(2, value.getKey());
                    update.executeUpdate();
                }
            }
            s.execute("ALTER TABLE variable DROP COLUMN value");
            s.execute("ALTER TABLE variable RENAME COLUMN json_value TO value");
            updateVersion(db, "b23c83a12cb4", "94622c1663e8");
            db.commit();
        } finally {
            db.setAutoCommit(true);
        }
        migrate(db, "94622c1663e8", "7495a5013e7e"); // event followers' scope
        migrate(db, "7495a5013e7e", "97429116795e"); // deployment.concurrency_limit
        PrefectServerWrites upgraded = new PrefectServerWrites(db, PrefectRelease.V3_0_0);
        upgraded.createVariable("after_upgrade", "{\"retries\": 3}", "[]");
        upgraded.updateVariable(upgraded.query("SELECT id FROM variable WHERE name = 'answer'"), null, "[1, 2]");
    }

    /**
     * Upgrade's WAL: 94622c1663e8 rewrites every variable (rows with both the old text {@code value} and the new
     * {@code json_value}) and updates alembic_version last, in one transaction; after it, values are JSON.
     */
    static void check2_20_0To3_0_0(List<Transaction> transactions) {
        Transaction migration = transactions.stream()
                .filter(tx -> tx.tables().contains("variable") && tx.tables().contains("alembic_version"))
                .findFirst()
                .orElseThrow();
        List<Captured> changes = live(migration);
        assertEquals("alembic_version", changes.get(changes.size() - 1).table(), "alembic_version comes last");
        Captured rewritten = changes.get(0);
        assertEquals("variable", rewritten.table());
        List<String> columns = new ArrayList<>();
        rewritten.valueJson().path("after").fieldNames().forEachRemaining(columns::add);
        assertEquals(
                List.of("id", "created", "updated", "name", "value", "tags", "json_value"),
                columns,
                "during the migration a row has both columns, in this order");
        Captured after = live(transactions.get(transactions.size() - 1)).get(0);
        List<String> upgradedColumns = new ArrayList<>();
        after.valueJson().path("after").fieldNames().forEachRemaining(upgradedColumns::add);
        assertEquals(
                List.of("id", "created", "updated", "name", "tags", "value"),
                upgradedColumns,
                "after it, value is the JSONB column, after tags");
        assertTrue(transactions.stream()
                        .filter(tx -> tx.tables().contains("alembic_version"))
                        .count()
                == 3);
        System.out.println("PrefectWritePatternsIT 2.20.0 -> 3.0.0: " + describe(transactions));
    }

    private static void migrate(Connection db, String from, String to, String... statements) throws SQLException {
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
            updateVersion(db, from, to);
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    private static void updateVersion(Connection db, String from, String to) throws SQLException {
        try (PreparedStatement s =
                db.prepareStatement("UPDATE alembic_version SET version_num=? WHERE alembic_version.version_num = ?")) {
            s.setString(1, to);
            s.setString(2, from);
            assertEquals(1, s.executeUpdate(), "alembic_version at " + from);
        }
    }

    /** Python's {@code json.dumps(str)}: a JSON string, non-ASCII as \\u escapes (JSONB stores the characters). */
    private static String jsonDumps(String value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Captured> live(Transaction tx) {
        return tx.changes().stream().filter(r -> !r.isTombstone()).toList();
    }

    private static List<String> tableSequence(Transaction tx) {
        List<String> tables = new ArrayList<>();
        for (Captured change : live(tx)) {
            if (tables.isEmpty() || !tables.get(tables.size() - 1).equals(change.table())) {
                tables.add(change.table());
            }
        }
        return tables;
    }

    /** Each transaction as {@code [table:op …]}, tombstones as {@code table:∅}: for the report. */
    private static String describe(List<Transaction> transactions) {
        StringBuilder out = new StringBuilder();
        for (Transaction tx : transactions) {
            out.append("\n  tx ").append(tx.txId()).append(": ");
            for (Captured change : tx.changes()) {
                out.append(change.table())
                        .append(':')
                        .append(
                                change.isTombstone()
                                        ? "tombstone"
                                        : change.valueJson().path("op").asText())
                        .append(' ');
            }
        }
        return out.toString();
    }
}
