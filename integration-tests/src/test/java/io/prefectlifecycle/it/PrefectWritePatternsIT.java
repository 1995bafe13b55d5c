package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.prefectlifecycle.golden.GoldenCasesTest;
import io.prefectlifecycle.it.PrefectServerWrites.BlockType;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.CdcCapture.Captured;
import io.prefectlifecycle.testsupport.CdcCapture.Transaction;
import io.prefectlifecycle.testsupport.PrefectRelease;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Prefect's server writes, SQL for SQL ({@link PrefectServerWrites}), against the tables of every
 * {@link PrefectRelease} in turn (one database each, in one stack: real PostgreSQL, Debezium in Kafka Connect,
 * Kafka), captured from Kafka and run through the app's topology: each case's events must be what Prefect 3.7.4
 * emits for the same writes, except for the documented differences (docs/contract.md), each a case here too. The
 * cases reproduce Prefect's own lifecycle tests ({@code tests/server/orchestration/api/test_*_events.py},
 * {@code tests/events/server/test_automation_events.py}) and the server's write patterns the API tests do not
 * cover (registration upserts, slot accounting, re-encryption, artifact re-pointing); on two older releases, the
 * upgrade's migrations too.
 *
 * <p>With {@code -Dgolden.capture=true} the run also writes the captured records, in WAL order, as golden inputs:
 * each case of {@link PrefectRelease#HEAD} under {@code golden/<kind>/<case>/}, each older release's whole run under
 * {@code golden/releases/}. Regenerate their expectations with {@code GoldenCasesTest -Dgolden.update=true} and
 * review them. {@code -Dprefect.releases=2.10.0,head} runs only those releases.
 */
class PrefectWritePatternsIT {
    private static final boolean CAPTURE = Boolean.getBoolean("golden.capture");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEARTBEAT = "prefect_cdc_heartbeat";
    private static LocalStack stack;

    /**
     * What one event must be: name, resource name, the payload fields listed (objects compared field by field, the
     * rest as a whole), and a text the event's JSON must contain (key order), when given.
     */
    private record Expected(String event, String name, String payload, String text) {}

    /** Writes, as one API call or service pass after another. */
    private interface Writes {
        void run(PrefectServerWrites prefect, Context context) throws SQLException;
    }

    /** Checks on what Debezium captured for the case, by transaction. */
    private interface WalCheck {
        void check(List<Transaction> transactions);
    }

    /** Checks on the events of a case that runs on the state the whole run left (an upgrade). */
    private interface EventCheck {
        void check(List<JsonNode> events) throws IOException;
    }

    /** Ids a later case needs from an earlier one of the same run. */
    private static final class Context {
        final Map<String, String> ids = new LinkedHashMap<>();
    }

    /**
     * @param golden   {@code <kind>/<case>} under golden/ for {@link PrefectRelease#HEAD}
     * @param releases where the case runs
     * @param prelude  a case whose records come first in this one's input (its events first in its output)
     * @param expected this case's own events, in order, from its records alone (after its prelude's)
     * @param events   instead of {@code expected}: a check of the events the case's records add to the whole run's
     *                 (an upgrade acts on the rows written before it)
     */
    private record Case(
            String golden,
            Predicate<PrefectRelease> releases,
            Case prelude,
            Writes writes,
            List<Expected> expected,
            WalCheck wal,
            EventCheck events) {
        Case(
                String golden,
                Predicate<PrefectRelease> releases,
                Case prelude,
                Writes writes,
                List<Expected> expected,
                WalCheck wal) {
            this(golden, releases, prelude, writes, expected, wal, null);
        }
    }

    @BeforeAll
    static void startStack() throws Exception {
        stack = LocalStack.start();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @ParameterizedTest(name = "Prefect {0}")
    @EnumSource(PrefectRelease.class)
    void eachPrefectWriteGivesPrefectsEvent(PrefectRelease release) throws Exception {
        String only = System.getProperty("prefect.releases", "");
        Assumptions.assumeTrue(
                only.isBlank() || List.of(only.split(",")).contains(release.version()), "-Dprefect.releases=" + only);
        DatabaseCoordinates db = stack.postgres().createDatabase(release.id(), release.ddl());
        ConnectorDefinition connector = connectorFor(release);
        Map<Case, long[]> windows = new LinkedHashMap<>();
        try (CdcCapture capture = CdcCapture.fromNow(stack.bootstrapServers());
                Connection connection = stack.postgres().connect(db.dbname())) {
            stack.connect().registerConnector(connector, db, Duration.ofSeconds(60));
            PrefectServerWrites prefect = new PrefectServerWrites(connection, release);
            Context context = new Context();
            int sentinel = 0;
            for (Case c : cases()) {
                if (c.releases().test(release)) {
                    if (c.events() != null) {
                        // an upgrade of a running pipeline: Debezium has caught up. (It reads a relation's
                        // nullability from the live catalog: a NULL decoded after a later SET NOT NULL arrives as the
                        // type's default.)
                        awaitCaptured(capture, connection, ++sentinel);
                    }
                    long from = prefect.walPosition();
                    c.writes().run(prefect, context);
                    windows.put(c, new long[] {from, prefect.walPosition()});
                }
            }
            awaitCaptured(capture, connection, ++sentinel);
            List<Transaction> all = capture.transactions().stream()
                    .filter(tx -> !tx.tables().equals(Set.of(HEARTBEAT)))
                    .toList();
            for (Map.Entry<Case, long[]> window : windows.entrySet()) {
                Case c = window.getKey();
                c.wal().check(within(all, window.getValue()));
                if (c.expected() != null) {
                    check(release, c, all, windows);
                } else {
                    checkOnTheRun(release, c, capture.snapshotReads(), all, window.getValue());
                }
            }
            if (CAPTURE && release != PrefectRelease.HEAD) {
                List<Captured> run = new ArrayList<>(capture.snapshotReads());
                all.forEach(tx -> run.addAll(tx.records()));
                Path file =
                        ProjectPaths.goldenCases().resolve("releases/" + releaseGoldenName(release) + "/input.jsonl");
                CdcCapture.writeGolden(file, run);
                System.out.printf("golden capture: %d records -> %s%n", run.size(), file);
            }
        } finally {
            stack.connect().deleteConnector(connector.name(), Duration.ofSeconds(30));
            stack.postgres().dropReplicationSlots();
        }
    }

    /** Writes a heartbeat row and waits for its transaction: everything written before it has been captured. */
    private static void awaitCaptured(CdcCapture capture, Connection connection, int sentinel) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("INSERT INTO " + HEARTBEAT + " (id, ts) VALUES (" + (900 + sentinel) + ", now())");
        }
        await("sentinel " + sentinel + " captured")
                .atMost(Duration.ofSeconds(60))
                .pollInSameThread()
                .until(() -> capture.poll().transactions().stream()
                        .flatMap(tx -> tx.changes().stream())
                        .anyMatch(r -> !r.isTombstone()
                                && r.table().equals(HEARTBEAT)
                                && r.keyJson().path("id").asInt() == 900 + sentinel));
    }

    /** Runs the case's records (after its prelude's) through the topology and compares with what Prefect emits. */
    private static void check(PrefectRelease release, Case c, List<Transaction> all, Map<Case, long[]> windows)
            throws IOException {
        List<Transaction> own = within(all, windows.get(c));
        List<Captured> input = new ArrayList<>();
        List<Expected> expected = new ArrayList<>();
        if (c.prelude() != null) {
            within(all, windows.get(c.prelude())).forEach(tx -> input.addAll(tx.records()));
            expected.addAll(c.prelude().expected());
        }
        own.forEach(tx -> input.addAll(tx.records()));
        expected.addAll(c.expected());
        Path file = Path.of("target", "it-write-patterns", release.version(), c.golden(), "input.jsonl");
        if (CAPTURE && release == PrefectRelease.HEAD) {
            file = ProjectPaths.goldenCases().resolve(c.golden()).resolve("input.jsonl");
        }
        CdcCapture.writeGolden(file.toAbsolutePath(), input);
        GoldenCasesTest.Output output = GoldenCasesTest.run(file.toAbsolutePath(), Map.of());
        assertEquals(List.of(), output.deadLetterReasons(), c.golden() + " on Prefect " + release.version());
        assertEvents(release + " " + c.golden(), expected, output.events());
    }

    /** The events the case's transactions add to those of everything captured before them. */
    private static void checkOnTheRun(
            PrefectRelease release, Case c, List<Captured> snapshot, List<Transaction> all, long[] window)
            throws IOException {
        List<Captured> before = new ArrayList<>(snapshot);
        List<Captured> through = new ArrayList<>(snapshot);
        boolean reached = false;
        for (Transaction tx : all) {
            reached |= tx.within(window[0], window[1]);
            if (!reached) {
                before.addAll(tx.records());
            }
            if (!reached || tx.within(window[0], window[1])) {
                through.addAll(tx.records());
            }
        }
        Path dir = Path.of("target", "it-write-patterns", release.version(), c.golden())
                .toAbsolutePath();
        CdcCapture.writeGolden(dir.resolve("before.jsonl"), before);
        CdcCapture.writeGolden(dir.resolve("input.jsonl"), through);
        GoldenCasesTest.Output earlier = GoldenCasesTest.run(dir.resolve("before.jsonl"), Map.of());
        GoldenCasesTest.Output output = GoldenCasesTest.run(dir.resolve("input.jsonl"), Map.of());
        assertEquals(
                earlier.events(), output.events().subList(0, earlier.events().size()), "the run up to " + c.golden());
        assertEquals(List.of(), output.deadLetterReasons(), c.golden() + " on Prefect " + release.version());
        List<JsonNode> own = new ArrayList<>();
        for (String event :
                output.events().subList(earlier.events().size(), output.events().size())) {
            own.add(JSON.readTree(event));
        }
        System.out.println("PrefectWritePatternsIT " + c.golden() + ": "
                + own.stream()
                        .map(e -> e.path("event").asText() + " "
                                + e.path("resource")
                                        .path("prefect.resource.name")
                                        .asText())
                        .toList());
        c.events().check(own);
    }

    private static List<Transaction> within(List<Transaction> all, long[] window) {
        return all.stream().filter(tx -> tx.within(window[0], window[1])).toList();
    }

    private static void assertEvents(String what, List<Expected> expected, List<String> events) throws IOException {
        List<String> actual = new ArrayList<>();
        for (String event : events) {
            JsonNode node = JSON.readTree(event);
            actual.add(node.path("event").asText() + " "
                    + node.path("resource").path("prefect.resource.name").asText());
        }
        List<String> wanted =
                expected.stream().map(e -> e.event() + " " + e.name()).toList();
        assertEquals(wanted, actual, what + ": events");
        for (int i = 0; i < expected.size(); i++) {
            Expected e = expected.get(i);
            String where = what + ", event " + (i + 1) + ": " + events.get(i);
            if (e.payload() != null) {
                assertSubset(
                        "payload",
                        JSON.readTree(e.payload()),
                        JSON.readTree(events.get(i)).path("payload"),
                        where);
            }
            if (e.text() != null) {
                assertTrue(events.get(i).contains(e.text()), where + "\n  should contain " + e.text());
            }
        }
    }

    private static void assertSubset(String path, JsonNode expected, JsonNode actual, String where) {
        if (!expected.isObject() || !actual.isObject()) {
            assertEquals(expected, actual, path + " in " + where);
            return;
        }
        for (Map.Entry<String, JsonNode> field : expected.properties()) {
            assertSubset(path + "." + field.getKey(), field.getValue(), actual.path(field.getKey()), where);
        }
    }

    private static ConnectorDefinition connectorFor(PrefectRelease release) {
        ConnectorDefinition file = ConnectorDefinition.load();
        String tables = file.config().get("table.include.list");
        // alembic_version too, so the upgrade cases show what Alembic writes
        String withAlembic = tables.contains("public.alembic_version") ? tables : tables + ",public.alembic_version";
        return new ConnectorDefinition("prefect-lifecycle-" + release.id().replace('_', '-'), file.config())
                .with(Map.of(
                        "slot.name",
                        release.id(),
                        "publication.name",
                        release.id(),
                        "table.include.list",
                        withAlembic));
    }

    private static String releaseGoldenName(PrefectRelease release) {
        return switch (release) {
            case V2_12_0 -> "prefect-2.12.0-then-upgrade-to-2.14.3";
            case V2_20_0 -> "prefect-2.20.0-then-upgrade-to-3.0.0";
            default -> "prefect-" + release.version();
        };
    }

    // ------------------------------------------------------------------ the cases

    private static final Predicate<PrefectRelease> ALL = r -> true;
    private static final Predicate<PrefectRelease> HEAD_ONLY = r -> r == PrefectRelease.HEAD;
    private static final WalCheck NOTHING_MORE = txs -> {};
    private static List<Case> cases;

    private static Expected ev(String event, String name) {
        return new Expected(event, name, null, null);
    }

    private static Expected ev(String event, String name, String payload) {
        return new Expected(event, name, payload, null);
    }

    private static final BlockType SECRET = new BlockType(
            "Secret",
            "secret",
            "https://cdn.sanity.io/images/3ugk85nk/production/c6f20e556dd16effda9df16551feecfb5822092b-48x48.png",
            "https://docs.prefect.io/latest/develop/blocks",
            "A block that represents a secret value. The value stored in this block will be obfuscated when this block "
                    + "is viewed or edited in the UI.",
            "```python\nfrom prefect.blocks.system import Secret\n\nSecret(value=\"sk-1234567890\").save(\"BLOCK_NAME\", "
                    + "overwrite=True)\n\nsecret_block = Secret.load(\"BLOCK_NAME\")\n\n# Access the stored secret\n"
                    + "secret_block.get()\n```",
            true);
    private static final String SECRET_FIELDS = "{\"title\": \"Secret\", \"description\": \"A block that represents a "
            + "secret value.\", \"type\": \"object\", \"properties\": {\"value\": {\"title\": \"Value\", \"description\": "
            + "\"A value that should be kept secret.\", \"anyOf\": [{\"type\": \"string\", \"format\": \"password\", "
            + "\"writeOnly\": true}, {\"type\": \"object\"}]}}, \"required\": [\"value\"], \"block_type_slug\": \"secret\", "
            + "\"secret_fields\": [\"value\"]}";
    private static final BlockType LOCAL_FILE_SYSTEM = new BlockType(
            "Local File System",
            "local-file-system",
            "https://cdn.sanity.io/images/3ugk85nk/production/ad39089fa66d273b943394a68f003f7a19aa850e-48x48.png",
            "https://docs.prefect.io/latest/develop/results#specifying-a-default-filesystem",
            "Store data as a file on a local file system.",
            "Load stored local file system config:\n```python\nfrom prefect.filesystems import LocalFileSystem\n\n"
                    + "local_file_system_block = LocalFileSystem.load(\"BLOCK_NAME\")\n```",
            true);
    private static final String LOCAL_FILE_SYSTEM_FIELDS = "{\"title\": \"LocalFileSystem\", \"description\": \"Store "
            + "data as a file on a local file system.\", \"type\": \"object\", \"properties\": {\"basepath\": {\"title\": "
            + "\"Basepath\", \"description\": \"Default local path for this block to write to.\", \"anyOf\": "
            + "[{\"type\": \"string\"}, {\"type\": \"null\"}]}}, \"block_type_slug\": \"local-file-system\", "
            + "\"secret_fields\": []}";
    private static final String FILE_SYSTEM_CAPABILITIES =
            "[\"get-directory\", \"put-directory\", \"read-path\", " + "\"write-path\"]";

    private static String fields(String title, String secretFields) {
        return "{\"title\": \"" + title + "\", \"type\": \"object\", \"properties\": {\"foo\": {\"type\": \"string\"}, "
                + "\"username\": {\"type\": \"string\"}, \"password\": {\"type\": \"string\"}}, \"block_type_slug\": \""
                + title + "\", \"secret_fields\": " + secretFields + "}";
    }

    private static BlockType apiBlockType(String name, String slug, String description) {
        return new BlockType(name, slug, null, null, description, null, false);
    }

    private static final String ARACHNOPHOBIA_TRIGGER = "{\"type\": \"event\", \"id\": \"%s\", \"match\": {\"class\": "
            + "\"Arachnida\", \"order\": \"Araneae\"}, \"match_related\": {}, \"after\": [], \"expect\": "
            + "[\"animal.walked\"], \"for_each\": [], \"posture\": \"Reactive\", \"threshold\": 1, \"within\": 0.0}";

    private static synchronized List<Case> cases() {
        if (cases != null) {
            return cases;
        }
        List<Case> all = new ArrayList<>();

        // ---- block documents: the first document of a server writes the Fernet key, among other configuration
        Case firstDocument = new Case(
                "block-document/first-document-writes-the-key-among-other-configuration",
                ALL,
                null,
                (prefect, ctx) -> {
                    // server start: the telemetry session, then the protected system blocks (override upserts)
                    prefect.writeConfiguration(
                            "TELEMETRY_SESSION",
                            "{\"session_id\": \"" + PrefectServerWrites.newId()
                                    + "\", \"session_start_timestamp\": \"2026-06-05T13:01:54.123456+00:00\"}");
                    prefect.inTransaction(() -> {
                        prefect.upsertBlockType(SECRET);
                        ctx.ids.put(
                                "secret-schema",
                                prefect.createBlockSchema(id(prefect, "secret"), SECRET_FIELDS, "[]", "3.8.0"));
                    });
                    prefect.inTransaction(() -> {
                        prefect.upsertBlockType(LOCAL_FILE_SYSTEM);
                        ctx.ids.put(
                                "file-schema",
                                prefect.createBlockSchema(
                                        id(prefect, "local-file-system"),
                                        LOCAL_FILE_SYSTEM_FIELDS,
                                        FILE_SYSTEM_CAPABILITIES,
                                        "3.8.0"));
                    });
                    String secretType = id(prefect, "secret");
                    String fileType = id(prefect, "local-file-system");
                    String fileSchema = ctx.ids.get("file-schema");
                    prefect.createBlockDocument(
                            "db-password",
                            secretType,
                            "Secret",
                            ctx.ids.get("secret-schema"),
                            "{\"value\": \"hunter2\"}",
                            false);
                    String results = prefect.createBlockDocument(
                            "results",
                            fileType,
                            "Local File System",
                            fileSchema,
                            "{\"basepath\": \"/var/prefect/results\"}",
                            false);
                    prefect.writeConfiguration(
                            "server-default-result-storage",
                            "{\"default_result_storage_block_id\": \"" + results + "\"}");
                },
                List.of(
                        ev("prefect.block-type.created", "Secret", "{\"is_protected\": true}"),
                        ev("prefect.block-type.created", "Local File System"),
                        ev("prefect.block-document.created", "db-password", "{\"data\": {}}"),
                        ev(
                                "prefect.block-document.created",
                                "results",
                                "{\"data\": {\"basepath\": \"/var/prefect/results\"}, \"block_schema\": {\"capabilities\": "
                                        + FILE_SYSTEM_CAPABILITIES
                                        + ", \"block_type\": {\"name\": \"Local File System\"}}}")),
                txs -> {
                    Transaction first = txs.stream()
                            .filter(tx -> tx.tables().contains("block_document"))
                            .findFirst()
                            .orElseThrow();
                    assertEquals(
                            List.of("configuration", "block_document"),
                            tables(first),
                            "the first encryption writes the key in the document's transaction");
                    assertEquals(
                            "ENCRYPTION_KEY",
                            after(first.changes().get(0)).path("key").asText());
                });
        all.add(firstDocument);

        all.add(new Case(
                "block-document/prefect-lifecycle-tests",
                ALL,
                firstDocument,
                (prefect, ctx) -> {
                    String typeX = prefect.createBlockType(apiBlockType("x", "x", null));
                    String schema = prefect.createBlockSchema(typeX, fields("x", "[]"), "[]", "non-versioned");
                    prefect.createBlockDocument("events-block", typeX, "x", schema, "{\"foo\": \"bar\"}", false);
                    String update = prefect.createBlockDocument(
                            "events-block-update", typeX, "x", schema, "{\"foo\": \"before\"}", false);
                    prefect.updateBlockDocument(update, "{\"foo\": \"after\"}", null);
                    String delete = prefect.createBlockDocument(
                            "events-block-delete", typeX, "x", schema, "{\"foo\": \"bar\"}", false);
                    prefect.deleteBlockDocument(delete);
                    String secretish = prefect.createBlockType(apiBlockType("secretish", "secretish", null));
                    String secretishSchema = prefect.createBlockSchema(
                            secretish, fields("secretish", "[\"password\"]"), "[]", "non-versioned");
                    prefect.createBlockDocument(
                            "has-secret",
                            secretish,
                            "secretish",
                            secretishSchema,
                            "{\"username\": \"alice\", \"password\": \"hunter2\"}",
                            false);
                    prefect.createBlockDocument(
                            "anonymous-" + PrefectServerWrites.newId(), typeX, "x", schema, "{\"foo\": \"bar\"}", true);
                },
                List.of(
                        ev("prefect.block-type.created", "x"),
                        ev(
                                "prefect.block-document.created",
                                "events-block",
                                "{\"data\": {\"foo\": \"bar\"}, \"block_schema\": {\"capabilities\": [], \"block_type\": "
                                        + "{\"name\": \"x\"}}}"),
                        ev("prefect.block-document.created", "events-block-update"),
                        ev("prefect.block-document.updated", "events-block-update", "{\"data\": {\"foo\": \"after\"}}"),
                        ev("prefect.block-document.created", "events-block-delete"),
                        ev("prefect.block-document.deleted", "events-block-delete", "{\"data\": {\"foo\": \"bar\"}}"),
                        ev("prefect.block-type.created", "secretish"),
                        ev("prefect.block-document.created", "has-secret", "{\"data\": {\"username\": \"alice\"}}")),
                NOTHING_MORE));

        all.add(new Case(
                "block-document/update-with-equal-data-re-encrypts",
                HEAD_ONLY,
                firstDocument,
                (prefect, ctx) -> {
                    String type = prefect.createBlockType(apiBlockType("y", "y", null));
                    String schema = prefect.createBlockSchema(type, fields("y", "[]"), "[]", "non-versioned");
                    String doc =
                            prefect.createBlockDocument("same-data", type, "y", schema, "{\"foo\": \"same\"}", false);
                    prefect.updateBlockDocument(doc, "{\"foo\": \"same\"}", null);
                },
                List.of(
                        ev("prefect.block-type.created", "y"),
                        ev("prefect.block-document.created", "same-data", "{\"data\": {\"foo\": \"same\"}}"),
                        ev("prefect.block-document.updated", "same-data", "{\"data\": {\"foo\": \"same\"}}")),
                txs -> {
                    List<Captured> documents = changesOf(txs, "block_document");
                    assertNotEquals(
                            after(documents.get(0)).path("data"),
                            after(documents.get(1)).path("data"),
                            "equal data, new Fernet token");
                }));

        all.add(new Case(
                "block-document/schema-change-is-a-second-update-in-one-transaction",
                HEAD_ONLY,
                firstDocument,
                (prefect, ctx) -> {
                    String type = prefect.createBlockType(apiBlockType("z", "z", null));
                    String v1 = prefect.createBlockSchema(type, fields("z", "[]"), "[]", "1.0.0");
                    String v2 = prefect.createBlockSchema(type, fields("z", "[]"), "[\"check-connection\"]", "2.0.0");
                    String doc = prefect.createBlockDocument("migrating", type, "z", v1, "{\"foo\": \"v1\"}", false);
                    prefect.updateBlockDocument(doc, "{\"foo\": \"v2\"}", v2);
                },
                List.of(
                        ev("prefect.block-type.created", "z"),
                        ev("prefect.block-document.created", "migrating", "{\"block_schema\": {\"capabilities\": []}}"),
                        ev(
                                "prefect.block-document.updated",
                                "migrating",
                                "{\"data\": {\"foo\": \"v2\"}, \"block_schema\": {\"capabilities\": "
                                        + "[\"check-connection\"]}}")),
                txs -> {
                    Transaction update = txs.get(txs.size() - 1);
                    assertEquals(
                            List.of("block_document", "block_document"),
                            tables(update),
                            "data, then the schema: two UPDATEs in one transaction");
                }));

        // ---- block types
        all.add(new Case(
                "block-type/prefect-lifecycle-tests",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createBlockType(apiBlockType("Events Create", "events-create", "a block type"));
                    String update =
                            prefect.createBlockType(apiBlockType("Events Update", "events-update", "a block type"));
                    prefect.updateBlockType(update, Map.of("description", "updated description"));
                    String delete =
                            prefect.createBlockType(apiBlockType("Events Delete", "events-delete", "a block type"));
                    prefect.deleteBlockType(delete);
                },
                List.of(
                        ev(
                                "prefect.block-type.created",
                                "Events Create",
                                "{\"name\": \"Events Create\", \"slug\": \"events-create\", \"description\": \"a block type\", "
                                        + "\"is_protected\": false}"),
                        ev("prefect.block-type.created", "Events Update"),
                        ev("prefect.block-type.updated", "Events Update", "{\"description\": \"updated description\"}"),
                        ev("prefect.block-type.created", "Events Delete"),
                        ev("prefect.block-type.deleted", "Events Delete")),
                NOTHING_MORE));

        all.add(new Case(
                "block-type/delete-cascades-to-its-documents",
                ALL,
                firstDocument,
                (prefect, ctx) -> {
                    String type = prefect.createBlockType(apiBlockType("Doomed", "doomed", null));
                    String schema = prefect.createBlockSchema(type, fields("doomed", "[]"), "[]", "non-versioned");
                    prefect.createBlockDocument("doomed-doc", type, "Doomed", schema, "{\"foo\": \"bye\"}", false);
                    prefect.deleteBlockType(type);
                },
                List.of(
                        ev("prefect.block-type.created", "Doomed"),
                        ev("prefect.block-document.created", "doomed-doc"),
                        ev("prefect.block-type.deleted", "Doomed")),
                txs -> assertEquals(
                        List.of("block_type", "block_schema", "block_document"),
                        tables(txs.get(txs.size() - 1)),
                        "one DELETE, the schema and document by FK cascade")));

        BlockType webhook = new BlockType(
                "Webhook",
                "webhook",
                "https://example.com/webhook.png",
                null,
                "Block that enables calling webhooks.",
                "```python\nfrom prefect.blocks.webhook import Webhook\n\nwebhook_block = Webhook.load(\"BLOCK_NAME\")\n```",
                true);
        all.add(new Case(
                "block-type/override-upsert-keeps-updated-and-is-silent",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.inTransaction(() -> prefect.upsertBlockType(webhook));
                    prefect.inTransaction(() -> prefect.upsertBlockType(webhook));
                    // a newer Prefect with another docstring: still an override, still silent
                    prefect.inTransaction(() -> prefect.upsertBlockType(new BlockType(
                            webhook.name(),
                            webhook.slug(),
                            webhook.logoUrl(),
                            webhook.documentationUrl(),
                            "Block that enables calling webhooks <& more>.",
                            webhook.codeExample(),
                            true)));
                },
                List.of(ev(
                        "prefect.block-type.created",
                        "Webhook",
                        "{\"code_example\": \"```python\\nfrom prefect.blocks.webhook import Webhook\\n\\nwebhook_block = "
                                + "Webhook.load(\\\"BLOCK_NAME\\\")\\n```\", \"is_protected\": true}")),
                txs -> {
                    List<Captured> rows = changesOf(txs, "block_type");
                    assertEquals(
                            List.of("c", "u", "u"),
                            rows.stream()
                                    .map(r -> r.valueJson().path("op").asText())
                                    .toList());
                    String updated = after(rows.get(0)).path("updated").asText();
                    rows.forEach(r -> assertEquals(
                            updated, after(r).path("updated").asText(), "ON CONFLICT DO UPDATE leaves updated alone"));
                    assertEquals(
                            "Block that enables calling webhooks &lt;&amp; more&gt;.",
                            after(rows.get(2)).path("description").asText(),
                            "html.escape(quote=False)");
                }));

        all.add(new Case(
                "block-type/registration-update-emits-updated",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    BlockType email = new BlockType(
                            "Email Server Credentials",
                            "email-server-credentials",
                            null,
                            "https://docs.prefect.io/integrations/prefect-email",
                            "Block used to manage generic email server " + "authentication.",
                            "Load stored email server credentials:\n```python\nfrom prefect_email "
                                    + "import EmailServerCredentials\n```",
                            false);
                    String id = prefect.createBlockType(email);
                    // the next registration pass (register_block_type -> update_block_type), same values, unescaped
                    Map<String, Object> fields = new LinkedHashMap<>();
                    fields.put("logo_url", email.logoUrl());
                    fields.put("documentation_url", email.documentationUrl());
                    fields.put("description", email.description());
                    fields.put("code_example", email.codeExample());
                    prefect.updateBlockType(id, fields);
                },
                List.of(
                        ev("prefect.block-type.created", "Email Server Credentials"),
                        ev("prefect.block-type.updated", "Email Server Credentials")),
                NOTHING_MORE));

        // ---- v2 concurrency limits
        Predicate<PrefectRelease> limitsV2 = PrefectRelease::limitsV2;
        all.add(new Case(
                "concurrency-limit-v2/prefect-lifecycle-tests",
                limitsV2,
                null,
                (prefect, ctx) -> {
                    prefect.createLimitV2("gcl-create", 7, true, 0.0);
                    String update = prefect.createLimitV2("gcl-update", 1, true, 0.0);
                    prefect.updateLimitV2(update, Map.of("\"limit\"", 9));
                    String delete = prefect.createLimitV2("gcl-delete", 1, true, 0.0);
                    prefect.deleteLimitV2(delete);
                },
                List.of(
                        ev(
                                "prefect.concurrency-limit.created",
                                "gcl-create",
                                "{\"name\": \"gcl-create\", \"limit\": 7, \"active\": true, \"slot_decay_per_second\": 0.0}"),
                        ev("prefect.concurrency-limit.created", "gcl-update"),
                        ev("prefect.concurrency-limit.updated", "gcl-update", "{\"limit\": 9}"),
                        ev("prefect.concurrency-limit.created", "gcl-delete"),
                        ev("prefect.concurrency-limit.deleted", "gcl-delete")),
                NOTHING_MORE));

        all.add(new Case(
                "concurrency-limit-v2/v1-api-upsert-repeating-the-limit-emits-updated",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    prefect.v1ApiCreateLimit("database", 5);
                    prefect.v1ApiCreateLimit("database", 5);
                    prefect.v1ApiCreateLimit("database", 8);
                },
                List.of(
                        ev("prefect.concurrency-limit.created", "tag:database"),
                        ev("prefect.concurrency-limit.updated", "tag:database", "{\"limit\": 5}"),
                        ev("prefect.concurrency-limit.updated", "tag:database", "{\"limit\": 8}")),
                txs -> assertOnlyUpdatedChanged(changesOf(txs, "concurrency_limit_v2"), 0, 1)));

        all.add(new Case(
                "concurrency-limit-v2/patch-repeating-values-emits-updated",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("api", 10, true, 0.0);
                    Map<String, Object> same = new LinkedHashMap<>();
                    same.put("\"limit\"", 10);
                    same.put("active", true);
                    prefect.updateLimitV2(id, same);
                },
                List.of(
                        ev("prefect.concurrency-limit.created", "api"),
                        ev("prefect.concurrency-limit.updated", "api", "{\"limit\": 10, \"active\": true}")),
                NOTHING_MORE));

        all.add(new Case(
                "concurrency-limit-v2/lease-acquire-and-release-are-silent",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("workers", 2, true, 0.0);
                    assertTrue(prefect.acquireSlots(id, 1));
                    prefect.releaseSlots(id, 1, 3.5);
                },
                List.of(ev("prefect.concurrency-limit.created", "workers")),
                NOTHING_MORE));

        all.add(new Case(
                "concurrency-limit-v2/rate-limit-acquisitions-are-silent",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("api-rate", 5, true, 100.0);
                    assertTrue(prefect.acquireSlots(id, 1));
                    prefect.elapse(0.05); // the next call comes when the slot has decayed (100 slots/s)
                    assertTrue(prefect.acquireSlots(id, 1));
                },
                List.of(ev("prefect.concurrency-limit.created", "api-rate", "{\"slot_decay_per_second\": 100.0}")),
                txs -> assertOnlyUpdatedChanged(changesOf(txs, "concurrency_limit_v2"), 1, 2)));

        all.add(new Case(
                "concurrency-limit-v2/patch-of-slot-columns-is-silent",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("reset-me", 3, true, 0.0);
                    assertTrue(prefect.acquireSlots(id, 1));
                    prefect.updateLimitV2(
                            id, Map.of("active_slots", 0)); // Prefect emits updated: a documented difference
                },
                List.of(ev("prefect.concurrency-limit.created", "reset-me")),
                NOTHING_MORE));

        all.add(new Case(
                "concurrency-limit-v2/release-with-no-slot-held-emits-updated",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("idle", 3, true, 0.0);
                    prefect.releaseSlots(id, 1, null); // Prefect emits nothing: a documented difference
                },
                List.of(
                        ev("prefect.concurrency-limit.created", "idle"),
                        ev("prefect.concurrency-limit.updated", "idle")),
                txs -> assertOnlyUpdatedChanged(changesOf(txs, "concurrency_limit_v2"), 0, 1)));

        // ---- v1 concurrency limits: the model functions (the v1 API writes v2 rows since 3.4.19)
        all.add(new Case(
                "concurrency-limit-v1/prefect-lifecycle-tests",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createLimitV1("v1-create", 5);
                    prefect.createLimitV1("v1-upsert", 5);
                    prefect.createLimitV1("v1-upsert", 8);
                    prefect.deleteLimitV1(prefect.createLimitV1("v1-delete", 1));
                    prefect.deleteLimitV1(prefect.createLimitV1("v1-delete-by-tag", 1));
                },
                List.of(
                        ev(
                                "prefect.concurrency-limit.created",
                                "v1-create",
                                "{\"tag\": \"v1-create\", \"concurrency_limit\": 5}"),
                        ev("prefect.concurrency-limit.created", "v1-upsert"),
                        ev(
                                "prefect.concurrency-limit.updated",
                                "v1-upsert",
                                "{\"tag\": \"v1-upsert\", \"concurrency_limit\": 8}"),
                        ev("prefect.concurrency-limit.created", "v1-delete"),
                        ev("prefect.concurrency-limit.deleted", "v1-delete"),
                        ev("prefect.concurrency-limit.created", "v1-delete-by-tag"),
                        ev("prefect.concurrency-limit.deleted", "v1-delete-by-tag")),
                NOTHING_MORE));

        // ---- variables
        all.add(new Case(
                "variable/prefect-lifecycle-tests",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createVariable("events_create", "\"hello\"", "[\"a\", \"b\"]");
                    String update = prefect.createVariable("events_update", "\"before\"", "[]");
                    prefect.updateVariable(update, null, "\"after\"");
                    String rename = prefect.createVariable("events_rename", "\"v\"", "[]");
                    prefect.updateVariable(rename, "events_renamed", null);
                    prefect.deleteVariable(prefect.createVariable("events_delete", "\"bye\"", "[\"x\"]"));
                    prefect.deleteVariable(prefect.createVariable("events_delete_by_name", "\"bye\"", "[]"));
                },
                List.of(
                        ev(
                                "prefect.variable.created",
                                "events_create",
                                "{\"name\": \"events_create\", \"value\": \"hello\", \"tags\": [\"a\", \"b\"]}"),
                        ev("prefect.variable.created", "events_update"),
                        ev(
                                "prefect.variable.updated",
                                "events_update",
                                "{\"name\": \"events_update\", \"value\": \"after\", " + "\"tags\": []}"),
                        ev("prefect.variable.created", "events_rename"),
                        ev(
                                "prefect.variable.updated",
                                "events_renamed",
                                "{\"name\": \"events_renamed\", \"value\": \"v\"}"),
                        ev("prefect.variable.created", "events_delete"),
                        ev("prefect.variable.deleted", "events_delete", "{\"value\": \"bye\", \"tags\": [\"x\"]}"),
                        ev("prefect.variable.created", "events_delete_by_name"),
                        ev("prefect.variable.deleted", "events_delete_by_name")),
                NOTHING_MORE));

        all.add(new Case(
                "variable/string-values-that-look-like-json",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createVariable("answer", "\"42\"", "[]");
                    prefect.createVariable("flag", "\"true\"", "[]");
                    prefect.createVariable("nothing", "\"null\"", "[]");
                    prefect.createVariable("list", "\"[1, 2]\"", "[]");
                },
                List.of(
                        ev("prefect.variable.created", "answer", "{\"value\": \"42\"}"),
                        ev("prefect.variable.created", "flag", "{\"value\": \"true\"}"),
                        ev("prefect.variable.created", "nothing", "{\"value\": \"null\"}"),
                        ev("prefect.variable.created", "list", "{\"value\": \"[1, 2]\"}")),
                NOTHING_MORE));

        // ---- flows
        all.add(new Case(
                "flow/prefect-lifecycle-tests",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createFlow("events-flow-create", "[\"a\", \"b\"]", "{}");
                    prefect.createFlow("events-flow-create", "[\"a\", \"b\"]", "{}"); // exists: ON CONFLICT DO NOTHING
                    String update = prefect.createFlow("events-flow-update", "[]", "{}");
                    prefect.updateFlowTags(update, "[\"updated\"]");
                    prefect.deleteFlow(prefect.createFlow("events-flow-delete", "[]", "{}"));
                    prefect.deleteFlows(
                            prefect.createFlow("bulk-flow-1", "[]", "{}"),
                            prefect.createFlow("bulk-flow-2", "[]", "{}"));
                },
                List.of(
                        ev(
                                "prefect.flow.created",
                                "events-flow-create",
                                "{\"name\": \"events-flow-create\", \"tags\": [\"a\", \"b\"], \"labels\": {}}"),
                        ev("prefect.flow.created", "events-flow-update"),
                        ev("prefect.flow.updated", "events-flow-update", "{\"tags\": [\"updated\"], \"labels\": {}}"),
                        ev("prefect.flow.created", "events-flow-delete"),
                        ev("prefect.flow.deleted", "events-flow-delete"),
                        ev("prefect.flow.created", "bulk-flow-1"),
                        ev("prefect.flow.created", "bulk-flow-2"),
                        ev("prefect.flow.deleted", "bulk-flow-1"),
                        ev("prefect.flow.deleted", "bulk-flow-2")),
                txs -> assertEquals(
                        9, changesOf(txs, "flow").size(), "the insert of an existing name changes nothing")));

        // ---- artifact collections
        all.add(new Case(
                "artifact-collection/prefect-lifecycle-tests",
                ALL,
                null,
                (prefect, ctx) -> {
                    prefect.createArtifact("events-collection", "markdown", "\"# hello\"", "a description", null);
                    prefect.createArtifact("events-collection-update", "markdown", "\"v1\"", "a description", null);
                    prefect.createArtifact("events-collection-update", "markdown", "\"v2\"", "a description", null);
                    prefect.createArtifact("events-collection-repoint", "markdown", "\"v1\"", "a description", null);
                    String second = prefect.createArtifact(
                            "events-collection-repoint", "markdown", "\"v2\"", "a description", null);
                    prefect.deleteArtifact(second);
                    prefect.deleteArtifact(prefect.createArtifact(
                            "events-collection-delete", "markdown", "\"v1\"", "a description", null));
                },
                List.of(
                        ev(
                                "prefect.artifact-collection.created",
                                "events-collection",
                                "{\"key\": \"events-collection\", \"type\": \"markdown\", \"data\": \"# hello\", "
                                        + "\"description\": \"a description\"}"),
                        ev("prefect.artifact-collection.created", "events-collection-update"),
                        ev("prefect.artifact-collection.updated", "events-collection-update", "{\"data\": \"v2\"}"),
                        ev("prefect.artifact-collection.created", "events-collection-repoint"),
                        ev("prefect.artifact-collection.updated", "events-collection-repoint", "{\"data\": \"v2\"}"),
                        ev("prefect.artifact-collection.updated", "events-collection-repoint", "{\"data\": \"v1\"}"),
                        ev("prefect.artifact-collection.created", "events-collection-delete"),
                        ev(
                                "prefect.artifact-collection.deleted",
                                "events-collection-delete",
                                "{\"key\": \"events-collection-delete\", \"type\": \"markdown\"}")),
                txs -> {
                    List<Captured> repoint = changesOf(txs, "artifact_collection").stream()
                            .filter(r -> after(r).path("key").asText().equals("events-collection-repoint"))
                            .toList();
                    assertTrue(
                            Instant.parse(after(repoint.get(2)).path("updated").asText())
                                    .isBefore(Instant.parse(after(repoint.get(1))
                                            .path("updated")
                                            .asText())),
                            "re-pointing copies the older artifact's timestamps: updated moves backwards");
                }));

        all.add(new Case(
                "artifact-collection/update-artifact-is-silent",
                ALL,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createArtifact("nightly-report", "markdown", "\"draft\"", null, null);
                    prefect.updateArtifact(id, "\"final\"");
                },
                List.of(ev("prefect.artifact-collection.created", "nightly-report", "{\"data\": \"draft\"}")),
                txs -> assertEquals(
                        2, changesOf(txs, "artifact_collection").size(), "the PATCH updates the collection")));

        // ---- automations
        Predicate<PrefectRelease> automations = PrefectRelease::automations;
        all.add(new Case(
                "automation/prefect-lifecycle-tests",
                automations,
                null,
                (prefect, ctx) -> {
                    String trigger = String.format(ARACHNOPHOBIA_TRIGGER, PrefectServerWrites.newId());
                    String id = prefect.createAutomation(
                            "React immediately to spiders", "", true, trigger, "[{\"type\": \"do-nothing\"}]");
                    prefect.updateAutomation(id, Map.of("enabled", false));
                    prefect.deleteAutomation(id);
                },
                List.of(
                        ev(
                                "prefect.automation.created",
                                "React immediately to spiders",
                                "{\"name\": \"React immediately to spiders\", \"enabled\": true, \"tags\": []}"),
                        ev("prefect.automation.updated", "React immediately to spiders", "{\"enabled\": false}"),
                        ev("prefect.automation.deleted", "React immediately to spiders")),
                NOTHING_MORE));

        all.add(new Case(
                "automation/put-update-carries-jsonb-order",
                HEAD_ONLY,
                null,
                (prefect, ctx) -> {
                    String triggerId = PrefectServerWrites.newId();
                    String id = prefect.createAutomation(
                            "Nightly failures",
                            "",
                            true,
                            String.format(ARACHNOPHOBIA_TRIGGER, triggerId),
                            "[{\"type\": \"do-nothing\"}]");
                    // PUT: every field; the client sends the match with the longer key first
                    Map<String, Object> put = new LinkedHashMap<>();
                    put.put("name", "Nightly failures");
                    put.put("description", "Flow runs of nightly deployments that fail");
                    put.put("enabled", true);
                    put.put(
                            "trigger::jsonb",
                            "{\"type\": \"event\", \"id\": \"" + triggerId + "\", \"match\": "
                                    + "{\"prefect.resource.name\": \"nightly-*\", \"prefect.resource.id\": \"prefect.flow-run.*\"}, "
                                    + "\"match_related\": {}, \"after\": [], \"expect\": [\"prefect.flow-run.Failed\"], \"for_each\": "
                                    + "[\"prefect.resource.id\"], \"posture\": \"Reactive\", \"threshold\": 1, \"within\": 0.0}");
                    put.put("actions::jsonb", "[{\"type\": \"do-nothing\"}]");
                    put.put("actions_on_trigger::jsonb", "[]");
                    put.put("actions_on_resolve::jsonb", "[]");
                    put.put("tags::jsonb", "[\"nightly\"]");
                    prefect.updateAutomation(id, put);
                },
                List.of(
                        ev("prefect.automation.created", "Nightly failures"),
                        new Expected(
                                "prefect.automation.updated",
                                "Nightly failures",
                                "{\"tags\": [\"nightly\"]}",
                                // JSONB's key order (shorter keys first), which Prefect's re-read after the UPDATE has
                                // too
                                "\"match\":{\"prefect.resource.id\":\"prefect.flow-run.*\",\"prefect.resource.name\":\"nightly-*\"}")),
                NOTHING_MORE));

        // ---- a release's own shapes
        all.add(new Case(
                "concurrency-limit-v2/null-slot-decay-is-0.0",
                PrefectRelease::nullableSlotDecay,
                null,
                (prefect, ctx) -> {
                    String id = prefect.createLimitV2("legacy-rate", 4, true, 0.0);
                    Map<String, Object> decay = new LinkedHashMap<>();
                    decay.put("slot_decay_per_second", null); // ConcurrencyLimitV2Update allowed an explicit null
                    prefect.updateLimitV2(id, decay);
                },
                List.of(
                        ev("prefect.concurrency-limit.created", "legacy-rate"),
                        ev("prefect.concurrency-limit.updated", "legacy-rate", "{\"slot_decay_per_second\": 0.0}")),
                txs -> assertTrue(
                        after(changesOf(txs, "concurrency_limit_v2").get(1))
                                .path("slot_decay_per_second")
                                .isNull(),
                        "NULL decay: "
                                + changesOf(txs, "concurrency_limit_v2").stream()
                                        .map(Captured::value)
                                        .toList())));

        all.add(new Case(
                "releases/upgrade-2.12.0-to-2.14.3",
                r -> r == PrefectRelease.V2_12_0,
                null,
                (prefect, ctx) -> PrefectUpgrades.from2_12_0To2_14_3(prefect),
                null,
                PrefectUpgrades::check2_12_0To2_14_3,
                events -> assertTrue(
                        events.stream().noneMatch(e -> e.path("event").asText().startsWith("prefect.block-document.")),
                        "the block_type_name back-fill is silent: " + events)));

        all.add(new Case(
                "releases/upgrade-2.20.0-to-3.0.0",
                r -> r == PrefectRelease.V2_20_0,
                null,
                (prefect, ctx) -> PrefectUpgrades.from2_20_0To3_0_0(prefect),
                null,
                PrefectUpgrades::check2_20_0To3_0_0,
                events -> {
                    // what the migration's rewrite gives is the app's migration rule's to decide; after it:
                    List<JsonNode> last = events.subList(events.size() - 2, events.size());
                    assertEquals(
                            "prefect.variable.created",
                            last.get(0).path("event").asText());
                    assertEquals(
                            JSON.readTree("{\"retries\": 3}"),
                            last.get(0).path("payload").path("value"));
                    assertEquals(
                            "prefect.variable.updated",
                            last.get(1).path("event").asText());
                    assertEquals(
                            JSON.readTree("[1, 2]"), last.get(1).path("payload").path("value"));
                    for (JsonNode event : events.subList(0, events.size() - 2)) {
                        assertTrue(
                                event.path("payload").path("value").isTextual(),
                                "a rewritten pre-3.0 value is still its text: " + event);
                    }
                }));

        cases = List.copyOf(all);
        return cases;
    }

    // ------------------------------------------------------------------ helpers for the WAL checks

    private static String id(PrefectServerWrites prefect, String blockTypeSlug) throws SQLException {
        return prefect.query("SELECT id FROM block_type WHERE slug = ?", blockTypeSlug);
    }

    static List<Captured> changesOf(List<Transaction> transactions, String table) {
        return transactions.stream()
                .flatMap(tx -> tx.changes().stream())
                .filter(r -> !r.isTombstone() && r.table().equals(table))
                .toList();
    }

    static List<String> tables(Transaction transaction) {
        return transaction.changes().stream()
                .filter(r -> !r.isTombstone())
                .map(Captured::table)
                .collect(Collectors.toList());
    }

    static JsonNode after(Captured change) {
        return change.valueJson().path("after");
    }

    /** Between the changes at {@code previous} and {@code next}: {@code updated} changed, and nothing else. */
    private static void assertOnlyUpdatedChanged(List<Captured> changes, int previous, int next) {
        JsonNode before = after(changes.get(previous));
        JsonNode now = after(changes.get(next));
        assertNotEquals(before.path("updated"), now.path("updated"), "updated changed");
        List<String> changed = new ArrayList<>();
        before.fieldNames().forEachRemaining(column -> {
            if (!column.equals("updated") && !before.path(column).equals(now.path(column))) {
                changed.add(column);
            }
        });
        if (!changed.isEmpty()) {
            fail("only updated should change, but so did " + changed);
        }
    }
}
