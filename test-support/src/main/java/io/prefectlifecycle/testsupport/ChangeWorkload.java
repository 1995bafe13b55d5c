package io.prefectlifecycle.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A plain JDBC loop of committed changes to captured tables (variables created, updated and deleted; flows; v2
 * concurrency limits, with slot churn), most in autocommit, some in multi-statement transactions, and what the events
 * must be, worked out from the writes alone: per transaction, one event per row touched, the action of its first
 * change (a delete wins; created-then-deleted and slot churn give none). Independent of the app on purpose.
 *
 * <p>Its {@link #expected()} follows every row ({@link ExpectedEvents#actionsByResource()}), which
 * {@link ReliabilityWorkload}'s mix of every kind does not: the Connect-worker and replication-slot tests check each
 * resource's actions in order against it, with no {@code transform} reference to lean on.
 */
public final class ChangeWorkload {
    /** Every ~this many changes: a transaction of several statements instead of one autocommitted. */
    private static final int MULTI_STATEMENT_EVERY = 4;

    private enum Op {
        CREATE,
        UPDATE,
        DELETE,
        SILENT_UPDATE
    }

    /** One kind's table and statements; {@code resource} prefixes the id in the event's resource id. */
    private record Table(String resource, String insert, String update, String silentUpdate, String delete) {}

    private static final Table VARIABLE = new Table(
            "prefect.variable.",
            "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, ?, to_jsonb(?::int), '[]')",
            "UPDATE variable SET value = to_jsonb(?::int), updated = now() WHERE id = ?::uuid",
            null,
            "DELETE FROM variable WHERE id = ?::uuid");
    private static final Table FLOW = new Table(
            "prefect.flow.",
            "INSERT INTO flow (id, name, tags, labels) VALUES (?::uuid, ?, jsonb_build_array(?::text), NULL)",
            "UPDATE flow SET tags = jsonb_build_array(?::text), updated = now() WHERE id = ?::uuid",
            null,
            "DELETE FROM flow WHERE id = ?::uuid");
    private static final Table LIMIT = new Table(
            "prefect.concurrency-limit.",
            "INSERT INTO concurrency_limit_v2 (id, name, \"limit\", active, active_slots, denied_slots, "
                    + "slot_decay_per_second, avg_slot_occupancy_seconds) VALUES (?::uuid, ?, ?, true, 0, 0, 0, 2.0)",
            "UPDATE concurrency_limit_v2 SET \"limit\" = \"limit\" + 1, updated = now() WHERE id = ?::uuid",
            "UPDATE concurrency_limit_v2 SET active_slots = active_slots + 1, updated = now() WHERE id = ?::uuid",
            "DELETE FROM concurrency_limit_v2 WHERE id = ?::uuid");

    /** What a transaction did to one row: its first and last change. */
    private record RowOps(Table table, Op first, Op last) {}

    private final Connection db;
    private final String prefix;
    private final Random random;
    private final Map<Table, List<String>> live = new LinkedHashMap<>();
    private final Map<String, List<String>> expected = new ConcurrentHashMap<>();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong transactions = new AtomicLong();
    private long sequence;

    /** @param prefix makes names unique across workloads on one database */
    public ChangeWorkload(Connection db, String prefix, long seed) {
        this.db = db;
        this.prefix = prefix;
        this.random = new Random(seed);
        for (Table table : List.of(VARIABLE, FLOW, LIMIT)) {
            live.put(table, new ArrayList<>());
        }
    }

    /** Writes until {@code target} changes are committed or {@code stop} says so; returns the changes committed. */
    public long run(long target, BooleanSupplier stop) throws SQLException {
        return run(target, stop, 0);
    }

    /** {@link #run(long, BooleanSupplier)} at most {@code transactionsPerSecond} (0: as fast as it goes). */
    public long run(long target, BooleanSupplier stop, int transactionsPerSecond) throws SQLException {
        long start = System.nanoTime();
        while (changes.get() < target && !stop.getAsBoolean()) {
            if (transactionsPerSecond > 0) {
                long due = start + transactions.get() * 1_000_000_000L / transactionsPerSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait);
                }
            }
            int statements = random.nextInt(MULTI_STATEMENT_EVERY) == 0 ? 2 + random.nextInt(7) : 1;
            transaction((int) Math.min(statements, target - changes.get()));
        }
        return changes.get();
    }

    /** A variable created in a transaction of its own, after everything else: its event's resource id. */
    public String sentinel() throws SQLException {
        db.setAutoCommit(true);
        String id = UUID.randomUUID().toString();
        execute(VARIABLE, Op.CREATE, id);
        transactions.incrementAndGet();
        live.get(VARIABLE).add(id);
        expected.computeIfAbsent(VARIABLE.resource() + id, r -> new ArrayList<>())
                .add("created");
        return VARIABLE.resource() + id;
    }

    /** Committed row changes (statements that changed a row), slot churn included. */
    public long changes() {
        return changes.get();
    }

    public long transactions() {
        return transactions.get();
    }

    /** The events the committed writes must become: per resource id, its actions in commit order. */
    public ExpectedEvents expected() {
        Map<String, List<String>> actions = new TreeMap<>();
        expected.forEach((resource, list) -> actions.put(resource, List.copyOf(list)));
        return ExpectedEvents.ofResources(actions);
    }

    private void transaction(int statements) throws SQLException {
        Map<String, RowOps> touched = new LinkedHashMap<>();
        Map<Table, Set<String>> created = new LinkedHashMap<>();
        Map<Table, Set<String>> deleted = new LinkedHashMap<>();
        boolean autocommit = statements == 1;
        db.setAutoCommit(autocommit);
        try {
            for (int i = 0; i < statements; i++) {
                Table table = pickTable();
                String untouched = pickUntouched(live.get(table), table, touched);
                Op op = pickOp(table, untouched == null);
                String id = op == Op.CREATE ? UUID.randomUUID().toString() : untouched;
                execute(table, op, id);
                touched.put(table.resource() + id, new RowOps(table, op, op));
                if (op == Op.CREATE) {
                    created.computeIfAbsent(table, t -> new HashSet<>()).add(id);
                    if (!autocommit && table == VARIABLE && random.nextInt(3) == 0) {
                        execute(table, Op.UPDATE, id); // a second change of the row in its transaction: one event
                        touched.put(table.resource() + id, new RowOps(table, Op.CREATE, Op.UPDATE));
                    }
                } else if (op == Op.DELETE) {
                    deleted.computeIfAbsent(table, t -> new HashSet<>()).add(id);
                }
            }
            if (!autocommit) {
                db.commit();
            }
        } catch (SQLException e) {
            if (!autocommit) {
                db.rollback();
            }
            throw e;
        }
        transactions.incrementAndGet();
        created.forEach((table, ids) -> live.get(table).addAll(ids));
        deleted.forEach((table, ids) -> live.get(table).removeAll(ids));
        touched.forEach((resource, ops) -> {
            String action = switch (ops.first()) {
                case CREATE -> "created";
                case UPDATE -> "updated";
                case DELETE -> "deleted";
                case SILENT_UPDATE -> null;
            };
            if (action != null) {
                expected.computeIfAbsent(resource, r -> new ArrayList<>()).add(action);
            }
        });
    }

    private Table pickTable() {
        int r = random.nextInt(10);
        return r < 6 ? VARIABLE : r < 8 ? FLOW : LIMIT;
    }

    /** A live row this transaction has not changed yet, or null. */
    private String pickUntouched(List<String> rows, Table table, Map<String, RowOps> touched) {
        for (int attempt = 0; attempt < 5 && !rows.isEmpty(); attempt++) {
            String id = rows.get(random.nextInt(rows.size()));
            if (!touched.containsKey(table.resource() + id)) {
                return id;
            }
        }
        return null;
    }

    /** Creates until a kind has a few rows; then updates, deletes and (for limits) slot churn, about 1000 rows live. */
    private Op pickOp(Table table, boolean noRowToChange) {
        int size = live.get(table).size();
        if (noRowToChange || size < 20) {
            return Op.CREATE;
        }
        int r = random.nextInt(100);
        if (r < (size > 1000 ? 15 : 35)) {
            return Op.CREATE;
        }
        if (r < 70) {
            return Op.UPDATE;
        }
        if (r < 85 && table.silentUpdate() != null) {
            return Op.SILENT_UPDATE;
        }
        return Op.DELETE;
    }

    private void execute(Table table, Op op, String id) throws SQLException {
        long n = ++sequence;
        String sql = switch (op) {
            case CREATE -> table.insert();
            case UPDATE -> table.update();
            case SILENT_UPDATE -> table.silentUpdate();
            case DELETE -> table.delete();
        };
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            switch (op) {
                case CREATE -> {
                    statement.setString(1, id);
                    statement.setString(2, prefix + "-" + n);
                    if (table == LIMIT) {
                        statement.setInt(3, (int) (n % 1000) + 1);
                    } else {
                        statement.setString(3, Long.toString(n));
                    }
                }
                case UPDATE -> {
                    if (table == LIMIT) {
                        statement.setString(1, id); // limit + 1: always a payload change
                    } else {
                        statement.setString(1, Long.toString(n));
                        statement.setString(2, id);
                    }
                }
                case SILENT_UPDATE, DELETE -> statement.setString(1, id);
            }
            int rows = statement.executeUpdate();
            if (rows != 1) {
                throw new IllegalStateException(op + " of " + table.resource() + id + " changed " + rows + " rows");
            }
        }
        changes.incrementAndGet();
    }
}
