package io.prefectlifecycle.golden;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ../shared/tools/prefect-event-oracle}, which re-serializes each event with pydantic (Prefect's own
 * serializer) against Prefect's event and payload shapes. Tests using it are skipped, with the reason, where the
 * oracle, python3 or pydantic 2 are missing.
 */
public final class PrefectOracle {

    public record Verdict(int exitCode, String output) {}

    private PrefectOracle() {}

    public static Path location() {
        return ProjectPaths.shared().resolve("tools/prefect-event-oracle");
    }

    public static void assumeAvailable() {
        Optional<String> missing = unavailable();
        Assumptions.assumeTrue(missing.isEmpty(), () -> missing.orElseThrow() + ": oracle check skipped");
    }

    /** Why the oracle cannot run here (no ../shared, no python3 or pydantic 2), or empty when it can. */
    public static Optional<String> unavailable() {
        if (!Files.isExecutable(location())) {
            return Optional.of("prefect-event-oracle not found at " + location());
        }
        Verdict probe = check(List.of());
        if (probe.exitCode() == 2 || probe.exitCode() == 127) {
            return Optional.of("python3 with pydantic 2 is not available ("
                    + probe.output().strip() + ")");
        }
        return Optional.empty();
    }

    public static Verdict check(List<String> eventLines) {
        try {
            Path input = Files.createTempFile("oracle", ".jsonl");
            Files.write(input, eventLines, StandardCharsets.UTF_8);
            Process process = new ProcessBuilder(location().toString())
                    .redirectInput(input.toFile())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Verdict(124, "oracle timed out");
            }
            Files.deleteIfExists(input);
            return new Verdict(process.exitValue(), output);
        } catch (IOException e) {
            return new Verdict(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Verdict(130, "interrupted");
        }
    }
}
