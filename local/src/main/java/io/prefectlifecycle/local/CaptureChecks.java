package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.DatabaseUrl;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code local --database-url} checks, read-only, before it touches an existing database: logical decoding is
 * on, the user may read the WAL and publish Prefect's tables, the tables are there, and the replication slot is free
 * or kept for this run. Each problem is one line naming the database (never the password) and the SQL that fixes it.
 */
public final class CaptureChecks {

    /** Set on the publication and the heartbeat table that local creates, so that it drops only its own. */
    static final String OURS = "created by prefect-lifecycle-cdc local";

    /**
     * Prefect's captured tables that a supported Prefect release may not have yet (Prefect's alembic migrations):
     * captured when present, noted when not. Every other captured table exists since Prefect 2.10.
     */
    private static final Set<String> NOT_IN_EVERY_RELEASE = Set.of(
            "concurrency_limit_v2", // 2.11.3
            "automation"); // 2.16.9

    /** The state of the publication named in the connector. */
    public enum Publication {
        MISSING,
        OURS,
        THEIRS
    }

    /**
     * What was found.
     *
     * @param problems       one line each; none means the database can be captured
     * @param notes          lines worth saying that do not stop anything
     * @param tables         Prefect's captured tables present in the database, schema-qualified
     * @param publication    whether the publication exists and who made it
     * @param slotExists     whether the replication slot exists (then kept by an earlier run being resumed)
     * @param heartbeatTable whether the heartbeat table exists, and whether local made it (empty: it does not exist)
     */
    public record Findings(
            List<String> problems,
            List<String> notes,
            List<String> tables,
            Publication publication,
            boolean slotExists,
            Optional<Boolean> heartbeatTable) {}

    private final Connection db;
    private final DatabaseUrl url;
    private final ConnectorDefinition connector;
    private final List<String> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    private CaptureChecks(Connection db, DatabaseUrl url, ConnectorDefinition connector) {
        this.db = db;
        this.url = url;
        this.connector = connector;
    }

    /**
     * @param withHeartbeatTable the user opted in to the heartbeat table
     * @param resuming           the state directory holds the state of an earlier run that kept this slot
     */
    public static Findings inspect(
            Connection db, DatabaseUrl url, ConnectorDefinition connector, boolean withHeartbeatTable, boolean resuming)
            throws SQLException {
        return new CaptureChecks(db, url, connector).inspect(withHeartbeatTable, resuming);
    }

    private Findings inspect(boolean withHeartbeatTable, boolean resuming) throws SQLException {
        String user = text("SELECT current_user");
        walLevel();
        replication(user);
        List<String> tables = prefectTables();
        Publication publication = publication(user, tables, withHeartbeatTable);
        boolean slotExists = slot(resuming);
        Optional<Boolean> heartbeatTable = heartbeatTable(user, withHeartbeatTable, publication);
        return new Findings(List.copyOf(problems), List.copyOf(notes), tables, publication, slotExists, heartbeatTable);
    }

    private void walLevel() throws SQLException {
        String level = text("SELECT current_setting('wal_level')");
        if (!level.equals("logical")) {
            problems.add("wal_level is " + level + " on " + url + ", and Debezium reads changes by logical decoding: "
                    + "as a superuser run ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL "
                    + "(Amazon RDS: rds.logical_replication = 1 in the parameter group)");
        }
    }

    private void replication(String user) throws SQLException {
        boolean may = bool(
                "SELECT rolsuper OR rolreplication OR EXISTS (SELECT 1 FROM pg_roles g WHERE g.rolname = "
                        + "'rds_replication' AND pg_has_role(current_user, g.oid, 'MEMBER')) FROM pg_roles WHERE rolname = current_user");
        if (!may) {
            problems.add("user " + user + " may not read the WAL of " + url + " (no REPLICATION attribute): as a "
                    + "superuser run ALTER ROLE " + ident(user)
                    + " WITH REPLICATION; (Amazon RDS: GRANT rds_replication TO "
                    + ident(user) + ";)");
        }
    }

    /** The captured tables present; a problem when any table every Prefect release has is missing. */
    private List<String> prefectTables() throws SQLException {
        List<String> present = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<String> newer = new ArrayList<>();
        for (String table : connector.prefectTables()) {
            if (exists(table)) {
                present.add(table);
            } else if (NOT_IN_EVERY_RELEASE.contains(table.substring(table.indexOf('.') + 1))) {
                newer.add(table);
            } else {
                missing.add(table);
            }
        }
        if (!missing.isEmpty()) {
            problems.add("Prefect's tables are not in " + url + " (missing: " + String.join(", ", missing) + "): give "
                    + "the database Prefect's server uses (its PREFECT_API_DATABASE_CONNECTION_URL), once the server "
                    + "has created them (it does at start; or run prefect server database upgrade -y)");
        } else if (!newer.isEmpty()) {
            notes.add(String.join(", ", newer) + " not in " + url + " (a Prefect release older than these tables): "
                    + "not captured");
        }
        return List.copyOf(present);
    }

    private Publication publication(String user, List<String> tables, boolean withHeartbeatTable) throws SQLException {
        String name = connector.publicationName();
        Optional<String> comment;
        boolean allTables;
        try (PreparedStatement s = db.prepareStatement(
                "SELECT puballtables, obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    mayCreatePublication(user, tables, withHeartbeatTable);
                    return Publication.MISSING;
                }
                allTables = rs.getBoolean(1);
                comment = Optional.ofNullable(rs.getString(2));
            }
        }
        if (comment.filter(OURS::equals).isPresent()) {
            return Publication.OURS;
        }
        if (!allTables) {
            Set<String> published = new LinkedHashSet<>();
            try (PreparedStatement s = db.prepareStatement(
                    "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = ?")) {
                s.setString(1, name);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        published.add(rs.getString(1));
                    }
                }
            }
            List<String> lacking =
                    tables.stream().filter(t -> !published.contains(t)).toList();
            if (!lacking.isEmpty()) {
                problems.add("publication " + name + " on " + url + " does not publish " + String.join(", ", lacking)
                        + ": as its owner run ALTER PUBLICATION " + ident(name) + " ADD TABLE "
                        + String.join(", ", lacking)
                        + ";");
            }
        }
        notes.add("using the existing publication " + name + " on " + url + " (not local's: it stays)");
        return Publication.THEIRS;
    }

    /** CREATE PUBLICATION … FOR TABLE needs CREATE on the database and ownership of every table. */
    private void mayCreatePublication(String user, List<String> tables, boolean withHeartbeatTable)
            throws SQLException {
        boolean createOnDatabase = bool("SELECT has_database_privilege(current_database(), 'CREATE')");
        Set<String> owners = new LinkedHashSet<>();
        for (String table : tables) {
            try (PreparedStatement s = db.prepareStatement("SELECT pg_get_userbyid(c.relowner), "
                    + "pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = ?::regclass")) {
                s.setString(1, table);
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next() && !rs.getBoolean(2)) {
                        owners.add(rs.getString(1));
                    }
                }
            }
        }
        if (createOnDatabase && owners.isEmpty()) {
            return;
        }
        List<String> published = new ArrayList<>(tables);
        if (withHeartbeatTable) {
            connector.heartbeatTable().ifPresent(published::add);
        }
        String create = "CREATE PUBLICATION " + ident(connector.publicationName()) + " FOR TABLE "
                + String.join(", ", published) + ";";
        String cannot = "user " + user + " cannot create the publication " + connector.publicationName() + " on " + url;
        String then = " (local then uses that publication and leaves it in place)";
        if (!owners.isEmpty()) {
            String owner = String.join(", ", owners);
            problems.add(cannot + ": PostgreSQL lets only the owner of Prefect's tables (" + owner + ") publish them: "
                    + "connect as " + owner + ", or have " + owner + " run " + create + then);
        } else {
            problems.add(cannot + ": that needs CREATE on the database: as a superuser run GRANT CREATE ON DATABASE "
                    + ident(url.coordinates().dbname()) + " TO " + ident(user) + "; or have one run " + create + then);
        }
    }

    /** @return whether the slot exists: only an inactive slot kept for the state being resumed may */
    private boolean slot(boolean resuming) throws SQLException {
        String name = connector.slotName();
        String drop = "SELECT pg_drop_replication_slot('" + name.replace("'", "''") + "');";
        try (PreparedStatement s = db.prepareStatement(
                "SELECT active, active_pid, database FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    if (rs.getBoolean(1)) {
                        problems.add("replication slot " + name + " on " + url + " is in use (WAL sender pid "
                                + rs.getLong(2) + "): another local or Debezium connector captures this database; stop "
                                + "it, or end it and drop the slot: SELECT pg_terminate_backend(" + rs.getLong(2)
                                + "); "
                                + drop);
                    } else if (!resuming || !url.coordinates().dbname().equals(rs.getString(3))) {
                        problems.add("replication slot " + name + " already exists on " + url + " (kept by an earlier "
                                + "local --keep-slot?): resume with that run's --state-dir, or drop the slot: " + drop);
                    } else {
                        notes.add("resuming from replication slot " + name + " kept on " + url);
                    }
                    return true;
                }
            }
        }
        int free = integer(
                "SELECT current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)");
        if (free <= 0) {
            int max = integer("SELECT current_setting('max_replication_slots')::int");
            problems.add(
                    "no free replication slot on " + url + " (max_replication_slots = " + max + ", all used): drop "
                            + "one no longer used (SELECT slot_name, active FROM pg_replication_slots;), or as a superuser run "
                            + "ALTER SYSTEM SET max_replication_slots = " + (max + 1) + "; then restart PostgreSQL");
        }
        return false;
    }

    /** @return empty when the table does not exist, else whether local created it */
    private Optional<Boolean> heartbeatTable(String user, boolean withHeartbeatTable, Publication publication)
            throws SQLException {
        Optional<String> table = connector.heartbeatTable();
        if (table.isEmpty()) {
            return Optional.empty();
        }
        Optional<Boolean> existing = Optional.empty();
        if (exists(table.get())) {
            try (PreparedStatement s = db.prepareStatement("SELECT obj_description(?::regclass, 'pg_class')")) {
                s.setString(1, table.get());
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    existing = Optional.of(OURS.equals(rs.getString(1)));
                }
            }
        }
        if (!withHeartbeatTable) {
            return existing;
        }
        String schema = table.get().substring(0, table.get().indexOf('.'));
        if (existing.isEmpty() && !bool("SELECT has_schema_privilege('" + schema.replace("'", "''") + "', 'CREATE')")) {
            problems.add("--heartbeat-table: user " + user + " may not create " + table.get() + " in " + url + ": as a "
                    + "superuser run GRANT CREATE ON SCHEMA " + ident(schema) + " TO " + ident(user) + "; or leave out "
                    + "--heartbeat-table");
        }
        if (publication == Publication.THEIRS && !publishes(table.get())) {
            problems.add("--heartbeat-table: publication " + connector.publicationName() + " on " + url + " does not "
                    + "publish " + table.get() + ": as its owner run "
                    + (existing.isEmpty()
                            ? Support.classpathText("schemas/debezium-heartbeat.sql")
                                            .replaceAll("(?m)^--.*\\n", "")
                                            .replaceAll("\\s+", " ")
                                            .strip()
                                    + " "
                            : "")
                    + "ALTER PUBLICATION " + ident(connector.publicationName()) + " ADD TABLE " + table.get()
                    + "; or leave out --heartbeat-table");
        }
        return existing;
    }

    private boolean publishes(String table) throws SQLException {
        try (PreparedStatement s =
                db.prepareStatement("SELECT puballtables OR EXISTS (SELECT 1 FROM pg_publication_tables t "
                        + "WHERE t.pubname = p.pubname AND t.schemaname || '.' || t.tablename = ?) FROM pg_publication p "
                        + "WHERE p.pubname = ?")) {
            s.setString(1, table);
            s.setString(2, connector.publicationName());
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private boolean exists(String table) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private String text(String sql) throws SQLException {
        try (PreparedStatement s = db.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private boolean bool(String sql) throws SQLException {
        try (PreparedStatement s = db.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private int integer(String sql) throws SQLException {
        return Integer.parseInt(text(sql));
    }

    /** An SQL identifier as it must be written: quoted unless a plain lower-case name. */
    static String ident(String name) {
        return name.matches("[a-z_][a-z0-9_$]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
