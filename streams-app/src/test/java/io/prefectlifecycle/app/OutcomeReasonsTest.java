package io.prefectlifecycle.app;

import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.Outcome;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutcomeReasonsTest {

    @Test
    void everySkipReasonHasItsCategory() {
        Map<String, OutcomeReasons.Ignored> cases = new TreeMap<>(Map.ofEntries(
                Map.entry("tombstone", OutcomeReasons.Ignored.TOMBSTONE),
                Map.entry("heartbeat", OutcomeReasons.Ignored.HEARTBEAT),
                Map.entry("transaction BEGIN", OutcomeReasons.Ignored.TRANSACTION_MARKER),
                Map.entry("transaction END", OutcomeReasons.Ignored.TRANSACTION_MARKER),
                Map.entry("logical decoding message", OutcomeReasons.Ignored.LOGICAL_MESSAGE),
                Map.entry("truncate", OutcomeReasons.Ignored.TRUNCATE),
                Map.entry("table not mapped: deployment", OutcomeReasons.Ignored.UNMAPPED_TABLE),
                Map.entry("snapshot read (remembered, not emitted)", OutcomeReasons.Ignored.SNAPSHOT_READ),
                Map.entry("redelivered change: LSN already applied to this row", OutcomeReasons.Ignored.REDELIVERED),
                Map.entry("coalesced with a later change of the row in its transaction", OutcomeReasons.Ignored.COALESCED),
                Map.entry("created and deleted in one transaction", OutcomeReasons.Ignored.COALESCED),
                Map.entry("deleted by cascade with its block type or block schema", OutcomeReasons.Ignored.SILENT),
                Map.entry("anonymous block document", OutcomeReasons.Ignored.SILENT),
                Map.entry("deployment-scoped concurrency limit", OutcomeReasons.Ignored.SILENT),
                Map.entry("slot churn: no payload column changed", OutcomeReasons.Ignored.SILENT),
                Map.entry("active-slot bookkeeping: only active_slots changed", OutcomeReasons.Ignored.SILENT),
                Map.entry("lookup table block_schema emits nothing itself", OutcomeReasons.Ignored.SILENT),
                Map.entry("something new", OutcomeReasons.Ignored.OTHER)));
        cases.forEach((reason, category) -> assertEquals(category, OutcomeReasons.Ignored.of(reason), reason));
    }

    @Test
    void everyDeadLetterHasItsCategory() {
        assertEquals(OutcomeReasons.DeadLetter.MALFORMED_RECORD, dead("value is not valid JSON (line 1, column 2)",
                "MalformedRecord"));
        assertEquals(OutcomeReasons.DeadLetter.COLUMN_FORMAT, dead("variable.tags is not valid JSON", "RowFormatException"));
        assertEquals(OutcomeReasons.DeadLetter.MISSING_STATE, dead("delete of a row never seen: its payload is unknown "
                + "(capture it from a snapshot, or set REPLICA IDENTITY FULL on variable)", "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.MISSING_STATE, dead("block schema 5f1c has not been seen, so the "
                + "document's secret fields are unknown", "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.ENCRYPTION, dead("no encryption key: set PREFECT_SERVER_ENCRYPTION_KEY "
                + "or capture the configuration table", "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.ENCRYPTION, dead("block document data could not be decrypted: bad "
                + "signature", "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.ENCRYPTION, dead("configuration ENCRYPTION_KEY is not a Fernet key",
                "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.UNSUPPORTED_MODEL, dead("unknown automation action type 'x'",
                "KindException"));
        assertEquals(OutcomeReasons.DeadLetter.OTHER, dead("?", "IllegalStateException"));
    }

    /**
     * Every golden case through the real topology with the metrics listener wired as {@code run} wires it: every
     * record is reported once, no reason falls into {@code other}, and the counts agree with the output topics.
     */
    @Test
    void goldenCasesLandInNamedCategories() throws IOException {
        List<String> uncategorized = new ArrayList<>();
        Map<String, Long> byCategory = new TreeMap<>();
        List<Path> cases;
        try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
            cases = files.filter(p -> p.getFileName().toString().equals("input.jsonl")).map(Path::getParent)
                    .sorted().toList();
        }
        for (Path caseDir : cases) {
            List<Emission> seen;
            long piped;
            long events;
            long deadLetters;
            try (TopologyHarness harness = TopologyHarness.withEnvironment(GoldenCases.environment(caseDir))) {
                harness.pipeFile(caseDir.resolve("input.jsonl"));
                harness.endInput();
                piped = Files.readAllLines(caseDir.resolve("input.jsonl"), StandardCharsets.UTF_8).stream()
                        .filter(line -> !line.isBlank()).count() + TopologyHarness.END_OF_INPUT_RECORDS;
                seen = harness.outcomes();
                events = harness.events().size();
                deadLetters = harness.deadLetters().size();
            }
            String name = ProjectPaths.goldenCases().relativize(caseDir).toString();
            assertEquals(piped, seen.size(), name + ": one outcome per record");
            long reportedEvents = 0;
            long reportedDead = 0;
            for (Emission emission : seen) {
                Outcome outcome = emission.outcome();
                String category = outcome.match(
                        e -> "event",
                        skipped -> {
                            OutcomeReasons.Ignored c = OutcomeReasons.Ignored.of(skipped.reason());
                            if (c == OutcomeReasons.Ignored.OTHER) {
                                uncategorized.add(name + ": skipped \"" + skipped.reason() + "\"");
                            }
                            return "ignored " + c.label();
                        },
                        dead -> {
                            OutcomeReasons.DeadLetter c = OutcomeReasons.DeadLetter.of(dead);
                            if (c == OutcomeReasons.DeadLetter.OTHER) {
                                uncategorized.add(name + ": dead letter " + dead.exceptionClass() + " \""
                                        + dead.reason() + "\"");
                            }
                            return "dead letter " + c.label();
                        });
                byCategory.merge(category, 1L, Long::sum);
                reportedEvents += outcome.match(e -> e.events().size(), s -> 0, d -> 0);
                reportedDead += outcome.match(e -> 0, s -> 0, d -> 1);
            }
            assertEquals(events, reportedEvents, name + ": events");
            assertEquals(deadLetters, reportedDead, name + ": dead letters");
        }
        assertEquals(List.of(), uncategorized, "reasons without a category: add them to OutcomeReasons");
        System.out.println("golden outcomes by category: " + byCategory);
        for (String expected : List.of("ignored tombstone", "ignored transaction_marker", "ignored silent",
                "ignored snapshot_read", "ignored coalesced", "ignored redelivered", "dead letter malformed_record",
                "dead letter encryption", "dead letter missing_state", "dead letter unsupported_model")) {
            assertTrue(byCategory.containsKey(expected), "no golden case covers " + expected + ": " + byCategory);
        }
    }

    private static OutcomeReasons.DeadLetter dead(String reason, String exceptionClass) {
        return OutcomeReasons.DeadLetter.of(new Outcome.DeadLetter(reason, exceptionClass));
    }

}
