package io.prefectlifecycle.cli;

import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code transform} is the offline form of the topology: on every golden case it prints the same bytes. */
class TransformCommandTest {

    static Stream<Path> cases() throws IOException {
        return GoldenCases.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsTheGoldenEventsAndDeadLetters(Path caseDir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(caseDir.resolve("input.jsonl"))) {
            int status = new TransformCommand().transform(in, out, err, GoldenCases.environment(caseDir));
            assertEquals(0, status);
        }
        assertGolden(caseDir, out, err);
    }

    @Test
    void anAvroRecordWithoutARegistryIsADeadLetterSayingSo() throws IOException {
        String line = "{\"topic\":\"prefect.public.variable\",\"key\":null,\"value_base64\":\"AAAAAAcCBAY=\"}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(
                0,
                new TransformCommand()
                        .transform(
                                new ByteArrayInputStream(line.getBytes(StandardCharsets.UTF_8)), out, err, Map.of()));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains("\"reason\":\"Avro value: schema id 7: no schema "
                                + "registry is configured (schema.registry.url)\""),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void avroOutputIsRefusedWithTheReason() throws IOException {
        for (String flag : List.of("--format", "--event-format")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = command(flag, "avro")
                    .transform(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), err, Map.of());
            assertEquals(2, status);
            assertEquals(
                    "transform: --format avro: transform prints JSON lines only; Avro events are binary (run and "
                            + "replay write them with --format avro; tail prints them as JSON)",
                    err.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** The golden case with a change of a table without a kind (flow_run), among other records that give none. */
    private static final Path NO_EVENT_RECORDS = ProjectPaths.goldenCases().resolve("records/no-event-records");

    @Test
    void recordsOfTablesWithoutAKindAreSkippedAndCountedPerTable() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new TransformCommand()
                .transform(
                        Files.newInputStream(NO_EVENT_RECORDS.resolve("input.jsonl")),
                        new ByteArrayOutputStream(),
                        err,
                        Map.of());

        assertEquals(0, status);
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(
                "transform: 1 record(s) of tables without a kind were skipped (--strict makes them dead "
                        + "letters): flow_run 1",
                lines.get(lines.size() - 1));
        assertTrue(lines.stream().noneMatch(line -> line.contains("table not mapped")), lines.toString());
    }

    @Test
    void strictMakesThemDeadLetters() throws IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = command("--strict")
                .transform(
                        Files.newInputStream(NO_EVENT_RECORDS.resolve("input.jsonl")),
                        new ByteArrayOutputStream(),
                        err,
                        Map.of());

        assertEquals(0, status);
        List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
        assertTrue(
                lines.contains("{\"offset\":5,\"topic\":\"prefect.public.flow_run\",\"reason\":\"table not "
                        + "mapped: flow_run\",\"exception_class\":\"UnmappedTable\"}"),
                lines.toString());
        assertEquals(
                "transform: 1 record(s) of tables without a kind were dead letters (--strict): flow_run 1",
                lines.get(lines.size() - 1));
    }

    @Test
    void aTopicThatDoesNotNameTheSourceIsReportedOncePerTopicAndTable() throws IOException {
        String change =
                Files.readAllLines(ProjectPaths.goldenCases().resolve("variable/created-string/input.jsonl")).stream()
                        .filter(line -> line.contains("\"op\": \"c\""))
                        .findFirst()
                        .orElseThrow();
        String input = String.join(
                "\n",
                change.replace("\"prefect.public.variable\"", "\"prefect.cdc\""),
                change,
                change.replace("\"prefect.public.variable\"", "\"staging.cdc\""),
                change.replace("\"prefect.public.variable\"", "\"staging.cdc\""),
                change.replace("\"prefect.public.variable\"", "\"prefect.public.flow\""));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        new TransformCommand()
                .transform(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, err, Map.of());

        assertEquals(
                List.of(
                        "transform: line 3: topic staging.cdc holds a change of connector prefect table public.variable, which "
                                + "Debezium writes to prefect.cdc: read as table public.variable of connector prefect "
                                + "(reported once for this topic and table)",
                        "transform: line 5: topic prefect.public.flow holds a change of connector prefect table "
                                + "public.variable, which Debezium writes to prefect.cdc: read as table public.variable of "
                                + "connector prefect (reported once for this topic and table)"),
                err.toString(StandardCharsets.UTF_8).lines().toList());
        assertEquals(1, out.toString(StandardCharsets.UTF_8).lines().count(), "one variable, one created event");
    }

    static TransformCommand command(String... args) {
        TransformCommand command = new TransformCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    static void assertGolden(Path caseDir, ByteArrayOutputStream out, ByteArrayOutputStream err) throws IOException {
        String expected = Files.readString(caseDir.resolve("expected.jsonl"), StandardCharsets.UTF_8)
                .strip();
        assertEquals(expected, out.toString(StandardCharsets.UTF_8).strip());
        Path deadLetters = caseDir.resolve("expected-dead-letters.txt");
        List<String> reasons = err.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(line -> line.startsWith("{"))
                .map(line -> line.replaceAll("^.*\"reason\":\"(.*)\",\"exception_class\".*$", "$1")
                        .replace("\\\"", "\""))
                .toList();
        assertEquals(Files.exists(deadLetters) ? Files.readAllLines(deadLetters) : List.of(), reasons);
    }
}
