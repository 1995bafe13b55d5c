package io.prefectlifecycle.kinds;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kinds' own contracts: what a kind says about itself agrees with what it does and with its golden events
 * ({@code KindsCompletenessTest} checks the registry against the project's other files).
 */
class KindsTest {

    /** The engine asks a kind for the rows to emit before its own only when it says it names any. */
    @Test
    void aKindThatOrdersRowsBeforeItsOwnSaysSo() {
        for (ObjectKind kind : Kinds.ALL) {
            boolean overrides = java.util.Arrays.stream(kind.getClass().getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals("eventsBefore"));
            assertEquals(
                    overrides,
                    kind.pullsEventsBefore(),
                    kind.getClass().getSimpleName() + ": eventsBefore overridden " + overrides + ", pullsEventsBefore "
                            + kind.pullsEventsBefore());
        }
    }

    /**
     * A kind that emits events names their resource kind, and it is the one its events carry: every golden event's
     * kind is some kind's {@link ObjectKind#eventKind()}, and every named kind has golden events ({@code parity}
     * reads Prefect's events of exactly these kinds).
     */
    @Test
    void everyEmittingKindNamesTheResourceKindOfItsGoldenEvents() throws IOException {
        Set<String> named = Kinds.tablesByEventKind().keySet();
        for (ObjectKind kind : Kinds.ALL) {
            assertEquals(
                    kind.emitsEvents(),
                    kind.eventKind().isPresent(),
                    kind.getClass().getSimpleName());
        }
        Pattern eventName = Pattern.compile("\"event\":\"prefect\\.([a-z-]+)\\.(created|updated|deleted)\"");
        Set<String> inGoldens = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("expected.jsonl"))
                    .toList()) {
                Matcher m = eventName.matcher(Files.readString(file));
                while (m.find()) {
                    inGoldens.add(m.group(1));
                }
            }
        }
        assertEquals(new TreeSet<>(named), inGoldens);
        assertEquals(
                List.of("concurrency_limit_v2", "concurrency_limit"),
                Kinds.tablesByEventKind().get("concurrency-limit"));
    }
}
