package io.prefectlifecycle.testdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The golden cases: {@code core/src/test/resources/golden/<kind>/<case>/} with {@code input.jsonl} (Debezium records),
 * {@code expected.jsonl} (Prefect's events), optional {@code expected-dead-letters.txt} and {@code env}.
 */
public final class GoldenCases {

    private GoldenCases() {}

    /** Every case directory, sorted. */
    public static Stream<Path> cases() throws IOException {
        try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
            return files
                    .filter(p -> p.getFileName().toString().equals("input.jsonl"))
                    .map(Path::getParent)
                    .sorted()
                    .toList()
                    .stream();
        }
    }

    /** The process environment the app would see for the case: its {@code env} file, {@code NAME=value} lines. */
    public static Map<String, String> environment(Path caseDir) throws IOException {
        Map<String, String> env = new HashMap<>();
        Path file = caseDir.resolve("env");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        return env;
    }
}
