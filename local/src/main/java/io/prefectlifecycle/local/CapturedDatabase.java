package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.DatabaseUrl;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * An existing Prefect database that {@code local --database-url} captures in place. Nothing of Prefect's is altered:
 * local adds a publication of Prefect's tables (and, only when asked, the heartbeat table of
 * schemas/debezium-heartbeat.sql), Debezium adds the replication slot, and on stop local drops what it added unless
 * told to keep it. The publication and table local creates carry a comment ({@link CaptureChecks#OURS}), so that a
 * later run drops only those.
 */
public final class CapturedDatabase {

    /** The database cannot be captured; one line per problem. */
    public static final class Refused extends Exception {
        private final List<String> problems;

        Refused(List<String> problems) {
            super(String.join("\n", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    private final DatabaseUrl url;
    private final ConnectorDefinition connector;
    private final boolean withHeartbeatTable;
    private final CaptureChecks.Findings findings;
    private boolean heartbeatTableOurs;

    private CapturedDatabase(
            DatabaseUrl url,
            ConnectorDefinition connector,
            boolean withHeartbeatTable,
            CaptureChecks.Findings findings) {
        this.url = url;
        this.connector = connector;
        this.withHeartbeatTable = withHeartbeatTable;
        this.findings = findings;
        this.heartbeatTableOurs = findings.heartbeatTable().orElse(false);
    }

    /**
     * Connects and runs {@link CaptureChecks}.
     *
     * @param resuming the state directory holds the state of an earlier run that kept the slot
     * @throws Refused when it cannot be captured, or not reached
     */
    public static CapturedDatabase inspect(
            DatabaseUrl url, ConnectorDefinition connector, boolean withHeartbeatTable, boolean resuming)
            throws Refused {
        try (Connection db = connect(url)) {
            CaptureChecks.Findings findings = CaptureChecks.inspect(db, url, connector, withHeartbeatTable, resuming);
            if (!findings.problems().isEmpty()) {
                throw new Refused(findings.problems());
            }
            return new CapturedDatabase(url, connector, withHeartbeatTable, findings);
        } catch (SQLException e) {
            throw new Refused(List.of("cannot connect to " + url + ": " + e.getMessage()));
        }
    }

    public DatabaseUrl url() {
        return url;
    }

    /** Things worth saying that did not stop anything (tables an older Prefect lacks, a resumed slot). */
    public List<String> notes() {
        return findings.notes();
    }

    public boolean resumes() {
        return findings.slotExists();
    }

    /**
     * connect-config's connector as it captures this database: the publication is local's business
     * ({@code publication.autocreate.mode=disabled}), the heartbeat table only when asked for.
     */
    public ConnectorDefinition connectorToRegister() {
        ConnectorDefinition definition = withHeartbeatTable ? connector : connector.withoutHeartbeatTable();
        return definition
                .with(Map.of("publication.autocreate.mode", "disabled"))
                .with(url.connectorSettings());
    }

    /** Creates the heartbeat table (when asked for) and the publication, or brings local's publication up to date. */
    public void prepare() throws SQLException {
        List<String> published = new ArrayList<>(findings.tables());
        try (Connection db = connect(url);
                Statement s = db.createStatement()) {
            if (withHeartbeatTable) {
                String table = connector.heartbeatTable().orElseThrow();
                if (findings.heartbeatTable().isEmpty()) {
                    s.execute(Support.classpathText("schemas/debezium-heartbeat.sql"));
                    s.execute("COMMENT ON TABLE " + table + " IS '" + CaptureChecks.OURS + "'");
                    heartbeatTableOurs = true;
                }
                published.add(table);
            }
            String publication = CaptureChecks.ident(connector.publicationName());
            switch (findings.publication()) {
                case MISSING -> {
                    s.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + String.join(", ", published));
                    s.execute("COMMENT ON PUBLICATION " + publication + " IS '" + CaptureChecks.OURS + "'");
                }
                case OURS ->
                    s.execute("ALTER PUBLICATION " + publication + " SET TABLE " + String.join(", ", published));
                case THEIRS -> {
                    // checked to publish what is captured; not local's to change
                }
            }
        }
    }

    /**
     * Drops the slot, and the publication and heartbeat table if local made them; or, with {@code keep}, leaves all of
     * them. Connect must be stopped first (the slot's WAL sender gone).
     *
     * @return the line that says what was done
     */
    public String release(boolean keep) {
        String slot = "replication slot " + connector.slotName();
        boolean publicationOurs = findings.publication() != CaptureChecks.Publication.THEIRS;
        String publication = "publication " + connector.publicationName();
        String table = connector.heartbeatTable().map(t -> "table " + t).orElse("");
        if (keep) {
            return "kept " + slot + (publicationOurs ? " and " + publication : "") + " on " + url
                    + " (the slot holds back WAL until it is read or dropped)";
        }
        List<String> dropped = new ArrayList<>();
        try (Connection db = connect(url);
                Statement s = db.createStatement()) {
            ReplicationSlots.drop(db, connector.slotName(), Duration.ofSeconds(30));
            dropped.add(slot);
            if (publicationOurs) {
                s.execute("DROP PUBLICATION IF EXISTS " + CaptureChecks.ident(connector.publicationName()));
                dropped.add(publication);
            }
            if (heartbeatTableOurs) {
                s.execute("DROP TABLE IF EXISTS " + connector.heartbeatTable().orElseThrow());
                dropped.add(table);
            }
            return "dropped " + String.join(", ", dropped) + " on " + url;
        } catch (SQLException | TimeoutException e) {
            return "could not drop " + slot + (publicationOurs ? " and " + publication : "") + " on " + url + " ("
                    + e.getMessage() + "): drop them with SELECT pg_drop_replication_slot('" + connector.slotName()
                    + "');"
                    + (publicationOurs
                            ? " DROP PUBLICATION " + CaptureChecks.ident(connector.publicationName()) + ";"
                            : "");
        }
    }

    /** Empty while the database answers; else why not. */
    public Optional<String> unreachable() {
        try (Connection db = connect(url);
                Statement s = db.createStatement()) {
            s.setQueryTimeout(5);
            s.execute("SELECT 1");
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("PostgreSQL at " + url + " does not answer: " + e.getMessage());
        }
    }

    private static Connection connect(DatabaseUrl url) throws SQLException {
        return DriverManager.getConnection(url.coordinates().jdbcUrl(), url.jdbcProperties());
    }
}
