package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.avro.EventSchemas;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The registry ({@link Kinds}) is the one list of kinds and tables; everything else that names them is checked against
 * it here. For every kind: its Avro payload record ({@code schemas/avro/payload-<name>.avsc}, in the envelope's union,
 * for its table and event kind), its golden cases ({@code golden/<name>/}), its table and the tables it looks up in
 * every connector's {@code table.include.list} ({@code connect-config/*.json} that set one) and created by the DDL
 * ({@code schemas/prefect-postgres.sql}, the heartbeat table by {@code schemas/debezium-heartbeat.sql}). The checklist
 * is printed always; a missing item fails the test with it. And the other way: nothing in those lists that the
 * registry does not know.
 */
class KindsCompletenessTest {

    private static final Path ROOT = ProjectPaths.root();

    @Test
    void everyKindHasItsSchemaGoldenCasesConnectorTablesAndDdl() throws IOException {
        Checklist checklist = checklist(Kinds.KINDS, Kinds.ALL, Project.read());
        System.out.println(checklist.render());
        if (checklist.hasMissing()) {
            fail("a kind is missing something (\"[ ]\" below):\n" + checklist.render());
        }
    }

    /** What the connectors capture, the schemas load and the golden cases cover is all the registry's. */
    @Test
    void nothingOutsideTheRegistry() throws IOException {
        Project project = Project.read();
        List<String> unknown = new ArrayList<>();
        project.includedTables.forEach((file, tables) -> tables.stream()
                .filter(t -> Kinds.forTable(t.substring(t.indexOf('.') + 1)).isEmpty())
                .forEach(t -> unknown.add(file + " captures " + t + ", which no kind or lookup table is")));
        try (Stream<Path> files = Files.list(ROOT.resolve(EventSchemas.DIRECTORY))) {
            files.map(p -> p.getFileName().toString())
                    .filter(f -> !EventSchemas.FILES.contains(f))
                    .sorted()
                    .forEach(f -> unknown.add(EventSchemas.DIRECTORY + f + " is no kind's payload record"));
        }
        if (EventSchemas.payloads().size() != EventSchemas.FILES.size() - 1) {
            unknown.add("the envelope's payload union has "
                    + EventSchemas.payloads().size() + " branches for " + (EventSchemas.FILES.size() - 1)
                    + " payload files");
        }
        for (Schema payload : EventSchemas.payloads()) {
            if (Kinds.forTable(String.valueOf(payload.getProp(EventSchemas.TABLE)))
                    .isEmpty()) {
                unknown.add("the envelope's payload " + payload.getName() + " names no registered table");
            }
        }
        List<String> names = Kinds.KINDS.stream().map(ObjectKind::name).toList();
        try (Stream<Path> dirs = Files.list(ProjectPaths.goldenCases())) {
            dirs.filter(Files::isDirectory)
                    .map(d -> d.getFileName().toString())
                    .filter(d -> !names.contains(d) && !Project.GOLDEN_NOT_A_KIND.contains(d))
                    .sorted()
                    .forEach(d -> unknown.add("golden/" + d + "/ is no kind's name"));
        }
        assertEquals(List.of(), unknown);
    }

    /** The test itself: a kind added with only its class and registry line gets a checklist of everything else. */
    @Test
    void aNewKindWithoutItsFilesGetsAChecklistOfThem() throws IOException {
        ObjectKind tenth = new ObjectKind() {
            @Override
            public String table() {
                return "flow_run_note";
            }

            @Override
            public Optional<String> eventKind() {
                return Optional.of("flow-run-note");
            }

            @Override
            public List<String> lookupTables() {
                return List.of(FlowKind.TABLE, "note_template");
            }

            @Override
            public KindResult describe(RowChange change, Lookups lookups) {
                throw new UnsupportedOperationException();
            }
        };
        List<ObjectKind> kinds = new ArrayList<>(Kinds.KINDS);
        kinds.add(tenth);
        List<ObjectKind> all = new ArrayList<>(Kinds.ALL);
        all.add(tenth);
        all.add(new LookupTable("note_template"));
        Checklist checklist = checklist(kinds, all, Project.read());

        assertTrue(checklist.hasMissing());
        List<String> missing = checklist.missing().get("flow-run-note (flow_run_note)");
        assertEquals(
                List.of(
                        "Avro payload record schemas/avro/payload-flow-run-note.avsc",
                        "in the union of schemas/avro/lifecycle-event.avsc, with prefect.table flow_run_note and prefect.kind "
                                + "flow-run-note",
                        "golden cases in core/src/test/resources/golden/flow-run-note/",
                        "public.flow_run_note in connect-config/prefect-connector.json's table.include.list",
                        "CREATE TABLE flow_run_note in schemas/prefect-postgres.sql",
                        "lookup table public.note_template in connect-config/prefect-connector.json's table.include.list",
                        "lookup table note_template: CREATE TABLE in schemas/prefect-postgres.sql"),
                missing);
        assertEquals(1, checklist.missing().size(), checklist.render());
    }

    /** Every item of every kind (with the tables it looks up), then of the other tables (schema version, heartbeat). */
    static Checklist checklist(List<ObjectKind> kinds, List<ObjectKind> all, Project project) {
        Checklist checklist = new Checklist();
        for (ObjectKind kind : kinds) {
            String title = kind.name() + " (" + kind.table() + ")";
            if (kind.emitsEvents()) {
                String file = EventSchemas.DIRECTORY + EventSchemas.payloadFile(kind);
                checklist.item(title, "Avro payload record " + file, Files.isRegularFile(ROOT.resolve(file)));
                String eventKind = kind.eventKind().orElse("?");
                checklist.item(
                        title,
                        "in the union of " + EventSchemas.DIRECTORY + EventSchemas.ENVELOPE_FILE
                                + ", with prefect.table " + kind.table() + " and prefect.kind " + eventKind,
                        EventSchemas.payloadForTable(kind.table())
                                .filter(p -> eventKind.equals(p.getProp(EventSchemas.KIND)))
                                .isPresent());
                checklist.item(
                        title,
                        "golden cases in " + ROOT.relativize(ProjectPaths.goldenCases()) + "/" + kind.name() + "/",
                        project.hasGoldenCases(kind.name()));
            }
            captured(checklist, title, "", kind.table(), project);
            for (String lookedUp : kind.lookupTables()) {
                if (kinds.stream().noneMatch(k -> k.table().equals(lookedUp))) {
                    captured(checklist, title, "lookup table ", lookedUp, project);
                }
            }
        }
        for (ObjectKind table : all) {
            if (kinds.stream()
                    .noneMatch(k ->
                            k.table().equals(table.table()) || k.lookupTables().contains(table.table()))) {
                captured(
                        checklist,
                        table.table() + " (" + table.getClass().getSimpleName() + ")",
                        "",
                        table.table(),
                        project);
            }
        }
        return checklist;
    }

    private static void captured(Checklist checklist, String title, String what, String table, Project project) {
        project.includedTables.forEach((file, tables) -> checklist.item(
                title,
                what + "public." + table + " in " + file + "'s table.include.list",
                tables.contains("public." + table)));
        String ddl = table.equals(Kinds.HEARTBEAT_TABLE) ? Project.HEARTBEAT_DDL : Project.DDL;
        boolean created = Pattern.compile("CREATE TABLE (IF NOT EXISTS )?" + table + " \\(")
                .matcher(project.ddl.get(ddl))
                .find();
        checklist.item(
                title,
                what.isEmpty() ? "CREATE TABLE " + table + " in " + ddl : what + table + ": CREATE TABLE in " + ddl,
                created);
    }

    /** The project's other lists, read once. */
    record Project(Map<String, List<String>> includedTables, Map<String, String> ddl, List<String> goldenCases) {
        static final String DDL = "schemas/prefect-postgres.sql";
        static final String HEARTBEAT_DDL = "schemas/debezium-heartbeat.sql";
        /** Golden case folders that are about the stream, not one kind. */
        static final List<String> GOLDEN_NOT_A_KIND = List.of("captured", "records", "releases", "transactions");

        static Project read() throws IOException {
            Map<String, List<String>> included = new TreeMap<>();
            try (Stream<Path> files = Files.list(ROOT.resolve("connect-config"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".json"))
                        .sorted()
                        .toList()) {
                    ownIncludeList(file)
                            .ifPresent(
                                    tables -> included.put(ROOT.relativize(file).toString(), tables));
                }
            }
            Map<String, String> ddl = Map.of(
                    DDL,
                    Files.readString(ROOT.resolve(DDL)),
                    HEARTBEAT_DDL,
                    Files.readString(ROOT.resolve(HEARTBEAT_DDL)));
            List<String> cases;
            try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
                cases = files.filter(f -> f.getFileName().toString().equals("expected.jsonl"))
                        .filter(f -> Files.isRegularFile(f.resolveSibling("input.jsonl")))
                        .map(f -> ProjectPaths.goldenCases()
                                .relativize(f.getParent())
                                .toString())
                        .sorted()
                        .toList();
            }
            return new Project(included, ddl, cases);
        }

        boolean hasGoldenCases(String name) {
            return goldenCases.stream().anyMatch(c -> c.startsWith(name + "/"));
        }

        /**
         * A connector file's own {@code table.include.list}; none for a file that {@code extends} another without
         * setting one (it captures the other's tables).
         */
        private static Optional<List<String>> ownIncludeList(Path file) {
            try {
                JsonNode root = Json.MAPPER.readTree(file.toFile());
                JsonNode list = root.path("config").path("table.include.list");
                if (!list.isTextual() && root.hasNonNull("extends")) {
                    return Optional.empty();
                }
                return Optional.of(Arrays.stream(list.asText("").split(","))
                        .map(String::trim)
                        .toList());
            } catch (IOException e) {
                throw new UncheckedIOException(file.toString(), e);
            }
        }
    }

    /** Items by kind, each done ({@code [x]}) or missing ({@code [ ]}). */
    static final class Checklist {
        private final Map<String, List<String>> lines = new LinkedHashMap<>();
        private final Map<String, List<String>> missing = new LinkedHashMap<>();

        void item(String title, String item, boolean done) {
            lines.computeIfAbsent(title, t -> new ArrayList<>()).add((done ? "  [x] " : "  [ ] ") + item);
            if (!done) {
                missing.computeIfAbsent(title, t -> new ArrayList<>()).add(item);
            }
        }

        boolean hasMissing() {
            return !missing.isEmpty();
        }

        Map<String, List<String>> missing() {
            return missing;
        }

        String render() {
            StringBuilder out = new StringBuilder("registered kinds and tables (Kinds), "
                    + missing.values().stream().mapToInt(List::size).sum() + " item(s) missing:\n");
            lines.forEach((title, items) -> {
                out.append(title).append('\n');
                items.forEach(i -> out.append(i).append('\n'));
            });
            return out.toString();
        }
    }
}
