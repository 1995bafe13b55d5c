package io.prefectlifecycle.golden;

import io.prefectlifecycle.testdata.GoldenCases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every case under {@code src/test/resources/golden/<kind>/<case>/} runs through the real topology: the events
 * must equal {@code expected.jsonl} byte for byte (ids included: they are deterministic), the dead-letter reasons
 * must equal {@code expected-dead-letters.txt} (no dead letters when absent), and every event must pass Prefect's
 * own serializer (the oracle). An optional {@code env} file sets the process environment the app would see.
 * Regenerate expectations only on purpose: {@code -Dgolden.update=true}.
 */
public class GoldenCasesTest {

    static Stream<Path> cases() throws IOException {
        return GoldenCases.cases();
    }

    private static final boolean UPDATE = Boolean.getBoolean("golden.update");

    @Test
    void thereAreEnoughCasesAcrossAllKinds() throws IOException {
        List<Path> all = cases().toList();
        assertTrue(all.size() >= 40, "expected at least 40 golden cases, found " + all.size());
    }

    /** What the topology makes of a golden input: the event values and the dead letters' reasons, in order. */
    public record Output(List<String> events, List<String> deadLetterReasons) {}

    /** Runs {@code input} (golden format) through the real topology in a fresh harness with {@code env}. */
    public static Output run(Path input, Map<String, String> env) throws IOException {
        List<String> events = new ArrayList<>();
        List<String> deadLetters = new ArrayList<>();
        try (TopologyHarness harness = TopologyHarness.withEnvironment(env)) {
            harness.pipeFile(input);
            harness.endInput();
            for (TopologyHarness.Output event : harness.events()) {
                events.add(event.value());
            }
            for (TopologyHarness.Output dead : harness.deadLetters()) {
                deadLetters.add(dead.headers().get("dlq.reason"));
            }
        }
        return new Output(events, deadLetters);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void producesExactlyTheExpectedEvents(Path caseDir) throws IOException {
        Output output = run(caseDir.resolve("input.jsonl"), GoldenCases.environment(caseDir));
        List<String> events = output.events();
        List<String> deadLetters = output.deadLetterReasons();
        Path expectedEvents = caseDir.resolve("expected.jsonl");
        Path expectedDeadLetters = caseDir.resolve("expected-dead-letters.txt");
        if (UPDATE) {
            Files.write(expectedEvents, events, StandardCharsets.UTF_8);
            if (deadLetters.isEmpty()) {
                Files.deleteIfExists(expectedDeadLetters);
            } else {
                Files.write(expectedDeadLetters, deadLetters, StandardCharsets.UTF_8);
            }
        }
        if (!Files.exists(expectedEvents)) {
            fail("missing " + expectedEvents + ": write it, or regenerate with -Dgolden.update=true and review it");
        }
        assertEquals(
                String.join("\n", Files.readAllLines(expectedEvents, StandardCharsets.UTF_8)),
                String.join("\n", events),
                "events of " + caseDir.getFileName());
        List<String> expectedReasons = Files.exists(expectedDeadLetters)
                ? Files.readAllLines(expectedDeadLetters, StandardCharsets.UTF_8)
                : List.of();
        assertEquals(expectedReasons, deadLetters, "dead letters of " + caseDir.getFileName());
    }

    @Test
    void everyGoldenEventPassesPrefectsOwnSerializer() throws IOException {
        PrefectOracle.assumeAvailable();
        List<String> all = new ArrayList<>();
        for (Path caseDir : cases().toList()) {
            Path expected = caseDir.resolve("expected.jsonl");
            if (Files.exists(expected)) {
                all.addAll(Files.readAllLines(expected, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.isBlank())
                        .toList());
            }
        }
        PrefectOracle.Verdict verdict = PrefectOracle.check(all);
        assertEquals(0, verdict.exitCode(), verdict.output());
        assertTrue(verdict.output().contains(all.size() + "/" + all.size()), verdict.output());
    }
}
