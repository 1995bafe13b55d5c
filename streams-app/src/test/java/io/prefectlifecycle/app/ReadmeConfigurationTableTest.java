package io.prefectlifecycle.app;

import io.prefectlifecycle.testdata.ProjectPaths;
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
 * The README's configuration table is {@link Setting#markdownTable()}: a setting declared but missing from the
 * README, or described differently there, fails here. Rewrite the table on purpose with {@code -Dreadme.update=true}.
 */
class ReadmeConfigurationTableTest {

    private static final String HEADING = "## Configuration";
    private static final String HEADER_ROW = "| setting | environment | flag | default | meaning |";

    @Test
    void theReadmeTableIsTheDeclarations() throws IOException {
        Path readme = ProjectPaths.root().resolve("README.md");
        List<String> lines = new ArrayList<>(Files.readAllLines(readme, StandardCharsets.UTF_8));
        int heading = indexOf(lines, HEADING, 0);
        assertTrue(heading >= 0, "README.md has no '" + HEADING + "' section");
        int start = indexOf(lines, HEADER_ROW, heading);
        assertTrue(
                start >= 0,
                "README.md's configuration section has no table starting with " + HEADER_ROW + "; paste:\n"
                        + Setting.markdownTable());
        int end = start;
        while (end < lines.size() && lines.get(end).startsWith("|")) {
            end++;
        }
        List<String> expected = Setting.markdownTable().lines().toList();
        if (Boolean.getBoolean("readme.update")) {
            lines.subList(start, end).clear();
            lines.addAll(start, expected);
            Files.write(readme, lines, StandardCharsets.UTF_8);
            end = start + expected.size();
        }
        assertEquals(
                String.join("\n", expected),
                String.join("\n", lines.subList(start, end)),
                "README.md's configuration table differs from the Setting declarations; regenerate it with "
                        + "-Dreadme.update=true and review the diff");
    }

    private static int indexOf(List<String> lines, String prefix, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }
}
