package io.prefectlifecycle.parity;

import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cli.DatabaseUrl;
import io.prefectlifecycle.kinds.Kinds;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Prefect's database, read only: the session is read-only ({@code default_transaction_read_only}), so nothing can be
 * written whatever the user may do. Reads the lifecycle events Prefect persisted in its {@code events} table (the
 * JSONB columns {@code resource}, {@code related} and {@code payload} as its event persister writes them) and whether
 * an object's row is there.
 */
public final class PrefectDatabase implements AutoCloseable {

    /** Every lifecycle event name this app emits: {@code prefect.<kind>.<action>} of every kind. */
    public static final List<String> LIFECYCLE_EVENTS = Kinds.tablesByEventKind().keySet().stream()
            .flatMap(kind -> List.of("created", "updated", "deleted").stream().map(a -> "prefect." + kind + "." + a))
            .toList();

    private final Connection connection;
    private final String shown;

    private PrefectDatabase(Connection connection, String shown) {
        this.connection = connection;
        this.shown = shown;
    }

    /** @throws SQLException with a message that names the database without its password */
    public static PrefectDatabase open(DatabaseUrl url) throws SQLException {
        Properties props = url.jdbcProperties();
        props.setProperty("ApplicationName", "prefect-lifecycle-cdc parity");
        props.setProperty("options", "-c default_transaction_read_only=on");
        props.setProperty("readOnly", "true");
        try {
            Connection connection =
                    DriverManager.getConnection(url.coordinates().jdbcUrl(), props);
            connection.setReadOnly(true);
            return new PrefectDatabase(connection, url.toString());
        } catch (SQLException e) {
            throw new SQLException("cannot connect to " + url + ": " + e.getMessage(), e);
        }
    }

    /** Prefect's lifecycle events that occurred in [since, until], oldest first. */
    public List<ComparedEvent> lifecycleEvents(Instant since, Instant until) throws SQLException {
        String sql = "SELECT id::text, occurred, event, resource_id, resource::text, related::text, payload::text "
                + "FROM events WHERE event = ANY (?) AND occurred >= ? AND occurred <= ? ORDER BY occurred, id";
        List<ComparedEvent> events = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement(sql)) {
            select.setArray(1, connection.createArrayOf("text", LIFECYCLE_EVENTS.toArray()));
            select.setObject(2, OffsetDateTime.ofInstant(since, ZoneOffset.UTC));
            select.setObject(3, OffsetDateTime.ofInstant(until, ZoneOffset.UTC));
            select.setFetchSize(1000);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    String id = rows.getString(1);
                    events.add(new ComparedEvent(
                            id,
                            rows.getObject(2, OffsetDateTime.class).toInstant(),
                            rows.getString(3),
                            rows.getString(4),
                            Json.MAPPER.readTree(rows.getString(5)),
                            Json.MAPPER.readTree(rows.getString(6)),
                            Json.MAPPER.readTree(rows.getString(7)),
                            "events id=" + id));
                }
            } catch (IOException e) {
                throw new SQLException("a row of events is not JSON: " + e.getMessage(), e);
            }
        } catch (SQLException e) {
            if ("42P01".equals(e.getSQLState())) {
                throw new SQLException(
                        shown + " has no events table: Prefect keeps its events there since 2.17.0 (is "
                                + "--database-url Prefect's database?)",
                        e);
            }
            throw e;
        }
        return events;
    }

    /** Whether the object of that event kind and id is in its table now; empty when that cannot be read. */
    public Optional<Boolean> rowExists(String eventKind, String objectId) {
        List<String> tables = Kinds.tablesByEventKind().getOrDefault(eventKind, List.of());
        if (tables.isEmpty() || !objectId.matches("[0-9a-fA-F-]{36}")) {
            return Optional.empty();
        }
        for (String table : tables) {
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE id = ?::uuid)")) {
                select.setString(1, objectId);
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next() && rows.getBoolean(1)) {
                        return Optional.of(true);
                    }
                }
            } catch (SQLException e) {
                return Optional.empty();
            }
        }
        return Optional.of(false);
    }

    /** {@link ParityCheck.Rows} over this database. */
    public ParityCheck.Rows rows() {
        return this::rowExists;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
