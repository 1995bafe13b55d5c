package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalPostgres;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.LocalProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code local --database-url} against a test-owned PostgreSQL holding Prefect's DDL (schemas/prefect-postgres.sql),
 * loaded by its owner as a Prefect server would: a change becomes its event on stdout; each database that cannot be
 * captured is refused with exit 2 and one line holding the SQL that fixes it; on stop the slot and publication local
 * added are dropped, or with --keep-slot kept, and a later run resumes with what changed meanwhile. No password is
 * ever printed.
 */
class LocalDatabaseUrlIT {

    private static final Duration START = Duration.ofMinutes(3);
    private static final String OWNER = "prefect_owner";
    /** Needs URL-encoding: the URL's decoding is exercised too. */
    private static final String OWNER_PASSWORD =
            "Ow%ner:p@ss/" + UUID.randomUUID().toString().substring(0, 8);

    private static final String READER_PASSWORD = "reader-" + UUID.randomUUID();
    private static final String REPLICATOR_PASSWORD = "replicator-" + UUID.randomUUID();
    private static final String DATABASE = "prefect_app";
    private static final Pattern CONNECT = Pattern.compile("ready: kafka \\S+, connect (\\S+), events on .*");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalPostgres postgres;
    private static LocalPostgres replicaOnly;
    private static List<String> prefectTables;

    @TempDir
    Path tmp;

    @BeforeAll
    static void databases() throws Exception {
        postgres = LocalPostgres.start(true);
        try (Connection su = postgres.connectAsSuperuser("postgres");
                Statement s = su.createStatement()) {
            s.execute("CREATE ROLE " + OWNER + " LOGIN REPLICATION PASSWORD '" + OWNER_PASSWORD + "'");
            s.execute("CREATE ROLE reader LOGIN PASSWORD '" + READER_PASSWORD + "'");
            s.execute("CREATE ROLE replicator LOGIN REPLICATION PASSWORD '" + REPLICATOR_PASSWORD + "'");
            s.execute("CREATE DATABASE " + DATABASE + " OWNER " + OWNER);
            s.execute("CREATE DATABASE not_prefect OWNER " + OWNER);
        }
        try (Connection owner = connect(DATABASE);
                Statement s = owner.createStatement()) {
            s.execute(Files.readString(ProjectPaths.root().resolve("schemas/prefect-postgres.sql")));
        }
        prefectTables = tables();
        replicaOnly = LocalPostgres.start(true, "replica");
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
        if (replicaOnly != null) {
            replicaOnly.close();
        }
    }

    @Test
    void capturesAnExistingDatabaseAndDropsWhatItAddedOnStop() throws Exception {
        try (LocalProcess local = LocalProcess.start("database-url", tmp, Map.of(), "--database-url", url(DATABASE))) {
            String ready = local.awaitStderr(l -> l.startsWith("ready: capturing "), START);
            assertEquals(
                    "ready: capturing postgresql://" + OWNER + "@127.0.0.1:" + postgres.port() + "/" + DATABASE
                            + " (publication prefect_lifecycle, replication slot prefect_lifecycle)",
                    ready);
            assertEquals(
                    List.of("created by prefect-lifecycle-cdc local"),
                    column("SELECT obj_description(oid, 'pg_publication') FROM pg_publication"),
                    "local's publication");
            assertEquals(
                    ConnectorDefinition.load().prefectTables().stream().sorted().toList(),
                    column("SELECT schemaname || '.' || tablename FROM pg_publication_tables ORDER BY 1"),
                    "it publishes Prefect's captured tables");
            JsonNode config = connectorConfig(local);
            assertTrue(
                    config.path("heartbeat.action.query").isMissingNode(),
                    "no heartbeat table unless asked: " + config);
            assertFalse(config.path("table.include.list").asText().contains("prefect_cdc_heartbeat"));
            assertEquals("disabled", config.path("publication.autocreate.mode").asText());
            assertTrue(config.path("database.password").asText().startsWith("${file:"), "a reference, not the value");

            String id = UUID.randomUUID().toString();
            try (Connection db = connect(DATABASE)) {
                LocalCommandIT.insertVariable(db, id, "captured_in_place");
            }
            String event = local.awaitStdout(l -> l.contains(id), Duration.ofSeconds(60));
            assertTrue(event.contains("\"event\":\"prefect.variable.created\""), event);

            local.signal("TERM");
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)));
            assertTrue(
                    local.stderr()
                            .contains("local: dropped replication slot prefect_lifecycle, publication "
                                    + "prefect_lifecycle on postgresql://" + OWNER + "@127.0.0.1:" + postgres.port()
                                    + "/" + DATABASE),
                    String.join("\n", local.stderr()));
            assertNothingAdded();
            assertNoPassword(local);
            LocalCommandIT.assertNothingLeftIn(tmp);
        }
    }

    @Test
    void keepSlotKeepsSlotAndStateAndALaterRunResumesWithWhatChangedMeanwhile() throws Exception {
        String before = UUID.randomUUID().toString();
        String meanwhile = UUID.randomUUID().toString();
        Path kept;
        try (LocalProcess first = LocalProcess.start(
                "database-url-keep", tmp, Map.of(), "--database-url", url(DATABASE), "--keep-slot")) {
            first.awaitStderr(l -> l.startsWith("ready: capturing "), START);
            try (Connection db = connect(DATABASE)) {
                LocalCommandIT.insertVariable(db, before, "before_stop");
            }
            first.awaitStdout(l -> l.contains(before), Duration.ofSeconds(60));
            first.signal("TERM");
            assertEquals(0, first.awaitExit(Duration.ofMinutes(2)));
            String where = "postgresql://" + OWNER + "@127.0.0.1:" + postgres.port() + "/" + DATABASE;
            assertTrue(
                    first.stderr()
                            .contains("local: kept replication slot prefect_lifecycle and publication "
                                    + "prefect_lifecycle on " + where
                                    + " (the slot holds back WAL until it is read or dropped)"),
                    String.join("\n", first.stderr()));
            String resume =
                    first.awaitStderr(l -> l.startsWith("local: kept local's state in "), Duration.ofSeconds(1));
            Matcher m = Pattern.compile("local: kept local's state in (\\S+): resume with local --database-url "
                            + "'postgresql://" + OWNER + ":\\*\\*\\*@127\\.0\\.0\\.1:\\d+/" + DATABASE
                            + "' --state-dir (\\S+) "
                            + "\\(add --keep-slot to keep them again\\)")
                    .matcher(resume);
            assertTrue(m.matches(), resume);
            kept = Path.of(m.group(1));
            assertTrue(Files.isDirectory(kept) && kept.startsWith(tmp), "kept in local's temp directory: " + kept);
            assertNoPassword(first);
        }
        assertEquals(
                List.of("prefect_lifecycle"), column("SELECT slot_name FROM pg_replication_slots WHERE NOT active"));
        assertEquals(List.of("prefect_lifecycle"), column("SELECT pubname FROM pg_publication"));
        try (Connection db = connect(DATABASE)) {
            LocalCommandIT.insertVariable(db, meanwhile, "while_stopped");
        }

        try (LocalProcess stranger =
                LocalProcess.start("database-url-kept-slot-refused", tmp, Map.of(), "--database-url", url(DATABASE))) {
            assertEquals(
                    2, stranger.awaitExit(Duration.ofMinutes(1)), "a kept slot is not taken over without its state");
            assertEquals(
                    List.of("local: replication slot prefect_lifecycle already exists on postgresql://" + OWNER
                            + "@127.0.0.1:" + postgres.port() + "/" + DATABASE
                            + " (kept by an earlier local --keep-slot?): "
                            + "resume with that run's --state-dir, or drop the slot: "
                            + "SELECT pg_drop_replication_slot('prefect_lifecycle');"),
                    stranger.stderr());
        }

        try (LocalProcess elsewhere = LocalProcess.start(
                "database-url-kept-state-refused",
                tmp,
                Map.of(),
                "--database-url",
                url("not_prefect"),
                "--state-dir",
                kept.toString())) {
            assertEquals(
                    2, elsewhere.awaitExit(Duration.ofMinutes(1)), "a kept state is not used for another database");
            assertEquals(
                    List.of("local: --state-dir " + kept + " holds the state of a run that captured postgresql://"
                            + OWNER + "@127.0.0.1:" + postgres.port() + "/" + DATABASE
                            + ", replication slot prefect_lifecycle: "
                            + "give another --state-dir, or resume that one"),
                    elsewhere.stderr());
            assertTrue(Files.isDirectory(kept.resolve("kafka")), "and it is left as it was");
        }

        try (LocalProcess second = LocalProcess.start(
                "database-url-resume",
                tmp,
                Map.of(),
                "--database-url",
                url(DATABASE),
                "--state-dir",
                kept.toString())) {
            String ready = second.awaitStderr(l -> l.startsWith("ready: capturing "), START);
            assertTrue(ready.endsWith(", resumed)"), ready);
            String event = second.awaitStdout(l -> l.contains(meanwhile), Duration.ofSeconds(90));
            assertTrue(event.contains("\"event\":\"prefect.variable.created\""), event);
            assertFalse(
                    String.join("\n", second.stdout()).contains(before),
                    "the first run's events are not printed again");
            second.signal("TERM");
            assertEquals(0, second.awaitExit(Duration.ofMinutes(2)));
            assertNoPassword(second);
            assertEquals(
                    List.of(),
                    second.stderr().stream()
                            .filter(l -> l.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} " + "(WARN|ERROR) .*"))
                            .toList(),
                    "a resumed run starts as cleanly as a first one");
        }
        assertNothingAdded();
        LocalCommandIT.assertNothingLeftIn(tmp);
    }

    @Test
    void theHeartbeatTableOnlyWhenAskedForAndDroppedOnStop() throws Exception {
        try (LocalProcess local = LocalProcess.start(
                "database-url-heartbeat", tmp, Map.of(), "--database-url", url(DATABASE), "--heartbeat-table")) {
            local.awaitStderr(l -> l.startsWith("ready: capturing "), START);
            assertEquals(
                    List.of("created by prefect-lifecycle-cdc local"),
                    column("SELECT obj_description('public.prefect_cdc_heartbeat'::regclass, 'pg_class')"));
            assertTrue(
                    column("SELECT schemaname || '.' || tablename FROM pg_publication_tables")
                            .contains("public.prefect_cdc_heartbeat"),
                    "published");
            assertTrue(connectorConfig(local)
                    .path("heartbeat.action.query")
                    .asText()
                    .contains("prefect_cdc_heartbeat"));
            org.awaitility.Awaitility.await("Debezium writes the heartbeat table")
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() ->
                            column("SELECT count(*) FROM prefect_cdc_heartbeat").equals(List.of("1")));
            local.signal("TERM");
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)));
            assertTrue(
                    local.stderr().stream()
                            .anyMatch(
                                    l -> l.startsWith(
                                            "local: dropped replication slot "
                                                    + "prefect_lifecycle, publication prefect_lifecycle, table public.prefect_cdc_heartbeat on ")),
                    String.join("\n", local.stderr()));
        }
        assertNothingAdded();
        LocalCommandIT.assertNothingLeftIn(tmp);
    }

    @Test
    void refusesWalLevelReplica() throws Exception {
        String url = "postgresql://" + replicaOnly.user() + ":" + replicaOnly.password() + "@127.0.0.1:"
                + replicaOnly.port() + "/" + replicaOnly.dbname();
        List<String> lines = refused("database-url-wal-level", url, replicaOnly.password());
        assertEquals(
                List.of("local: wal_level is replica on postgresql://prefect@127.0.0.1:" + replicaOnly.port()
                        + "/prefect, and Debezium reads changes by logical decoding: as a superuser run ALTER SYSTEM SET "
                        + "wal_level = logical; then restart PostgreSQL (Amazon RDS: rds.logical_replication = 1 in the "
                        + "parameter group)"),
                lines);
    }

    @Test
    void refusesAUserWithoutReplicationPermission() throws Exception {
        List<String> lines =
                refused("database-url-no-replication", urlAs("reader", READER_PASSWORD, DATABASE), READER_PASSWORD);
        assertTrue(
                lines.contains("local: user reader may not read the WAL of postgresql://reader@127.0.0.1:"
                        + postgres.port() + "/" + DATABASE
                        + " (no REPLICATION attribute): as a superuser run ALTER ROLE "
                        + "reader WITH REPLICATION; (Amazon RDS: GRANT rds_replication TO reader;)"),
                String.join("\n", lines));
    }

    @Test
    void refusesAUserThatMayNotPublishPrefectsTables() throws Exception {
        List<String> lines = refused(
                "database-url-no-publication", urlAs("replicator", REPLICATOR_PASSWORD, DATABASE), REPLICATOR_PASSWORD);
        assertEquals(1, lines.size(), String.join("\n", lines));
        String line = lines.get(0);
        assertTrue(
                line.startsWith("local: user replicator cannot create the publication prefect_lifecycle on "
                        + "postgresql://replicator@127.0.0.1:" + postgres.port() + "/" + DATABASE
                        + ": PostgreSQL lets only the "
                        + "owner of Prefect's tables (" + OWNER + ") publish them"),
                line);
        assertTrue(
                line.endsWith(
                        "connect as " + OWNER + ", or have " + OWNER + " run CREATE PUBLICATION prefect_lifecycle "
                                + "FOR TABLE "
                                + String.join(", ", ConnectorDefinition.load().prefectTables()) + "; (local then uses "
                                + "that publication and leaves it in place)"),
                line);
    }

    @Test
    void refusesADatabaseWithoutPrefectsTables() throws Exception {
        List<String> lines = refused("database-url-no-tables", url("not_prefect"), OWNER_PASSWORD);
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(
                lines.get(0)
                        .startsWith("local: Prefect's tables are not in postgresql://" + OWNER + "@127.0.0.1:"
                                + postgres.port() + "/not_prefect (missing: public.variable, public.flow, "),
                lines.get(0));
        assertTrue(lines.get(0).endsWith("prefect server database upgrade -y)"), lines.get(0));
    }

    @Test
    void refusesAWrongPasswordWithoutPrintingIt() throws Exception {
        String wrong = "not-the-password-" + UUID.randomUUID();
        List<String> lines = refused("database-url-wrong-password", urlAs(OWNER, wrong, DATABASE), wrong);
        assertEquals(1, lines.size(), String.join("\n", lines));
        assertTrue(
                lines.get(0)
                        .startsWith("local: cannot connect to postgresql://" + OWNER + "@127.0.0.1:" + postgres.port()
                                + "/" + DATABASE + ": "),
                lines.get(0));
    }

    /** Runs local against {@code url}: exit 2, nothing started or added; the stderr lines. */
    private List<String> refused(String name, String url, String password) throws Exception {
        try (LocalProcess local = LocalProcess.start(name, tmp, Map.of(), "--database-url", url)) {
            assertEquals(2, local.awaitExit(Duration.ofMinutes(1)), () -> String.join("\n", local.stderr()));
            assertEquals(List.of(), local.stdout());
            assertFalse(local.everything().contains(password), "the password is never printed");
            assertFalse(local.everything().contains(URLEncoder.encode(password, StandardCharsets.UTF_8)));
            assertTrue(
                    local.stderr().stream().allMatch(l -> l.startsWith("local: ")), String.join("\n", local.stderr()));
            System.out.println("LocalDatabaseUrlIT " + name + ":\n  " + String.join("\n  ", local.stderr()));
            assertNothingAdded();
            LocalCommandIT.assertNothingLeftIn(tmp);
            return local.stderr();
        }
    }

    /** No slot, no publication, no table besides Prefect's: the database as it was. */
    private static void assertNothingAdded() throws SQLException {
        assertEquals(List.of(), column("SELECT slot_name FROM pg_replication_slots"), "no replication slot left");
        assertEquals(List.of(), column("SELECT pubname FROM pg_publication"), "no publication left");
        assertEquals(prefectTables, tables(), "no table added");
    }

    private static void assertNoPassword(LocalProcess local) {
        assertFalse(local.everything().contains(OWNER_PASSWORD), "the password is never printed");
        assertFalse(local.everything().contains(URLEncoder.encode(OWNER_PASSWORD, StandardCharsets.UTF_8)));
    }

    private static JsonNode connectorConfig(LocalProcess local) throws Exception {
        Matcher m = CONNECT.matcher(local.awaitStderr(l -> l.startsWith("ready: kafka "), START));
        assertTrue(m.matches());
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(m.group(1) + "/connectors/prefect-lifecycle/config"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static String url(String database) {
        return urlAs(OWNER, OWNER_PASSWORD, database);
    }

    private static String urlAs(String user, String password, String database) {
        return "postgresql://" + user + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@127.0.0.1:"
                + postgres.port() + "/" + database;
    }

    private static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/" + database, OWNER, OWNER_PASSWORD);
    }

    private static List<String> tables() throws SQLException {
        return column("SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    }

    private static List<String> column(String sql) throws SQLException {
        try (Connection db = connect(DATABASE);
                PreparedStatement s = db.prepareStatement(sql);
                ResultSet rs = s.executeQuery()) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }
}
