package io.prefectlifecycle.app;

import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.Outcome;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testdata.ProjectPaths;
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

/**
 * Every skip and dead letter carries its category from where it was decided ({@link Outcome.Skipped} and
 * {@link Outcome.DeadLetter} cannot be made without one), so the metrics never read a reason's words. Here: every
 * golden case through the real topology with the metrics listener wired as {@code run} wires it, each record
 * reported once, the dead letters' {@code dlq.category} and {@code dlq.exception.class} headers those of the
 * category, and the categories the golden cases are known to reach all reached.
 */
class OutcomeCategoriesTest {

    @Test
    void goldenCasesReportOneCategorizedOutcomePerRecord() throws IOException {
        Map<String, Long> byCategory = new TreeMap<>();
        List<Path> cases;
        try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
            cases = files.filter(p -> p.getFileName().toString().equals("input.jsonl"))
                    .map(Path::getParent)
                    .sorted()
                    .toList();
        }
        for (Path caseDir : cases) {
            List<Emission> seen;
            long piped;
            long events;
            List<TopologyHarness.Output> deadLetters;
            try (TopologyHarness harness = TopologyHarness.withEnvironment(GoldenCases.environment(caseDir))) {
                harness.pipeFile(caseDir.resolve("input.jsonl"));
                harness.endInput();
                piped = Files.readAllLines(caseDir.resolve("input.jsonl"), StandardCharsets.UTF_8).stream()
                                .filter(line -> !line.isBlank())
                                .count()
                        + TopologyHarness.END_OF_INPUT_RECORDS;
                seen = harness.outcomes();
                events = harness.events().size();
                deadLetters = harness.deadLetters();
            }
            String name = ProjectPaths.goldenCases().relativize(caseDir).toString();
            assertEquals(piped, seen.size(), name + ": one outcome per record");
            long reportedEvents = 0;
            List<DeadLetterCategory> reportedDead = new ArrayList<>();
            for (Emission emission : seen) {
                Outcome outcome = emission.outcome();
                String category = outcome.match(
                        e -> "event",
                        skipped -> "ignored " + skipped.category().label(),
                        dead -> "dead letter " + dead.category().label());
                byCategory.merge(category, 1L, Long::sum);
                reportedEvents += outcome.match(e -> e.events().size(), s -> 0, d -> 0);
                outcome.match(e -> null, s -> null, d -> reportedDead.add(d.category()));
            }
            assertEquals(events, reportedEvents, name + ": events");
            assertEquals(reportedDead.size(), deadLetters.size(), name + ": dead letters");
            for (int i = 0; i < deadLetters.size(); i++) {
                Map<String, String> headers = deadLetters.get(i).headers();
                assertEquals(reportedDead.get(i).label(), headers.get("dlq.category"), name + ": dlq.category");
                assertEquals(
                        reportedDead.get(i).exceptionClass(),
                        headers.get("dlq.exception.class"),
                        name + ": dlq.exception.class");
            }
        }
        System.out.println("golden outcomes by category: " + byCategory);
        List<String> reached = new ArrayList<>();
        for (IgnoredCategory c : List.of(
                IgnoredCategory.TOMBSTONE,
                IgnoredCategory.TRANSACTION_MARKER,
                IgnoredCategory.SILENT,
                IgnoredCategory.SNAPSHOT_READ,
                IgnoredCategory.COALESCED,
                IgnoredCategory.REDELIVERED)) {
            reached.add("ignored " + c.label());
        }
        for (DeadLetterCategory c : List.of(
                DeadLetterCategory.MALFORMED_RECORD,
                DeadLetterCategory.ENCRYPTION,
                DeadLetterCategory.MISSING_STATE,
                DeadLetterCategory.UNSUPPORTED_MODEL)) {
            reached.add("dead letter " + c.label());
        }
        for (String expected : reached) {
            assertTrue(byCategory.containsKey(expected), "no golden case covers " + expected + ": " + byCategory);
        }
    }
}
