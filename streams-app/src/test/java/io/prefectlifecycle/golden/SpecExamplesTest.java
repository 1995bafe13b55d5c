package io.prefectlifecycle.golden;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spec's worked examples through the real topology, byte for byte: the project's copy of
 * {@code ../shared/fixtures/spec-examples}, which must equal the shared one when that is there.
 */
class SpecExamplesTest {

    private static final Path FIXTURE = ProjectPaths.fixture("spec-examples");

    @Test
    void theProjectsCopyIsTheSharedFixture() throws IOException {
        Path shared = ProjectPaths.shared().resolve("fixtures/spec-examples");
        Assumptions.assumeTrue(Files.isDirectory(shared), "no ../shared beside the project: copy not compared");
        for (String file : List.of("input.jsonl", "expected.jsonl")) {
            assertEquals(Files.readString(shared.resolve(file)), Files.readString(FIXTURE.resolve(file)),
                    file + " differs from ../shared/fixtures/spec-examples: copy it again");
        }
    }

    @Test
    void workedExamplesProduceTheExpectedEvents() throws IOException {
        List<String> events = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (TopologyHarness harness = TopologyHarness.withEnvironment(GoldenCasesTest.environment(FIXTURE))) {
            harness.pipeFile(FIXTURE.resolve("input.jsonl"));
            harness.endInput();
            for (TopologyHarness.Output event : harness.events()) {
                events.add(event.value().replaceFirst("\"id\":\"[0-9a-f-]{36}\",\"follows\":null}$",
                        "\"id\":\"<ID>\",\"follows\":null}"));
                keys.add(event.key());
                assertEquals(event.key(), event.headers().get("prefect.resource.id"));
                assertTrue(event.value().contains("\"event\":\"" + event.headers().get("prefect.event") + "\""));
            }
            assertEquals(List.of(), harness.deadLetters());
        }
        List<String> expected = Files.readAllLines(FIXTURE.resolve("expected.jsonl"), StandardCharsets.UTF_8);
        assertEquals(String.join("\n", expected), String.join("\n", events));
        for (int i = 0; i < keys.size(); i++) {
            assertTrue(expected.get(i).contains("\"prefect.resource.id\":\"" + keys.get(i) + "\""), "key of event " + i);
        }
    }
}
