package io.prefectlifecycle.golden;

import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared fixtures through the real topology, byte for byte except the event id ({@code <ID>} in the fixture):
 * the project's copies of {@code ../shared/fixtures/<name>}, which must equal the shared ones when they are there.
 * {@code spec-examples}: the lifecycle spec's worked examples; {@code object-events}: the deployment, work-pool and
 * work-queue examples (prefect-object-events.md §8), events exactly as Prefect published them for the same writes.
 */
class SharedFixturesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spec-examples", "object-events"})
    void theProjectsCopyIsTheSharedFixture(String name) throws IOException {
        Path shared = ProjectPaths.shared().resolve("fixtures").resolve(name);
        Assumptions.assumeTrue(
                Files.isDirectory(shared),
                "no ../shared/fixtures/" + name + " beside the project: " + "copy not compared");
        for (String file : List.of("input.jsonl", "expected.jsonl")) {
            assertEquals(
                    Files.readString(shared.resolve(file)),
                    Files.readString(ProjectPaths.fixture(name).resolve(file)),
                    file + " differs from ../shared/fixtures/" + name + ": copy it again");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spec-examples", "object-events"})
    void theFixtureProducesTheExpectedEvents(String name) throws IOException {
        Path fixture = ProjectPaths.fixture(name);
        List<String> events = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (TopologyHarness harness = TopologyHarness.withEnvironment(GoldenCases.environment(fixture))) {
            harness.pipeFile(fixture.resolve("input.jsonl"));
            harness.endInput();
            for (TopologyHarness.Output event : harness.events()) {
                events.add(event.value()
                        .replaceFirst(
                                "\"id\":\"[0-9a-f-]{36}\",\"follows\":null}$", "\"id\":\"<ID>\",\"follows\":null}"));
                keys.add(event.key());
                assertEquals(event.key(), event.headers().get("prefect.resource.id"));
                assertTrue(
                        event.value().contains("\"event\":\"" + event.headers().get("prefect.event") + "\""));
            }
            assertEquals(List.of(), harness.deadLetters());
        }
        List<String> expected = Files.readAllLines(fixture.resolve("expected.jsonl"), StandardCharsets.UTF_8);
        assertEquals(String.join("\n", expected), String.join("\n", events));
        for (int i = 0; i < keys.size(); i++) {
            assertTrue(
                    expected.get(i).contains("\"prefect.resource.id\":\"" + keys.get(i) + "\""), "key of event " + i);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"spec-examples", "object-events"})
    void everyEventOfTheFixturePassesPrefectsOwnSerializer(String name) throws IOException {
        PrefectOracle.assumeAvailable();
        List<String> events = new ArrayList<>();
        try (TopologyHarness harness =
                TopologyHarness.withEnvironment(GoldenCases.environment(ProjectPaths.fixture(name)))) {
            harness.pipeFile(ProjectPaths.fixture(name).resolve("input.jsonl"));
            harness.endInput();
            harness.events().forEach(event -> events.add(event.value()));
        }
        PrefectOracle.Verdict verdict = PrefectOracle.check(events);
        assertEquals(0, verdict.exitCode(), verdict.output());
        assertTrue(verdict.output().contains(events.size() + "/" + events.size()), verdict.output());
    }
}
