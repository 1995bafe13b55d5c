package io.prefectlifecycle.local;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * connect-config/register-connector.sh registers what the tests and {@code local} register
 * ({@link ConnectorDefinition#load}), whichever JSON reader the host has: jq, python3, or neither (Debezium's connect
 * image, which docker compose runs it in, has neither), the Avro overlay merged onto its base in each case.
 */
class RegisterConnectorScriptTest {

    private static final Path SCRIPT = ProjectPaths.root().resolve("connect-config/register-connector.sh");
    private static final List<String> BASIC_TOOLS =
            List.of("sh", "sed", "awk", "grep", "cut", "head", "dirname", "cat", "rm", "date", "sleep");

    @ParameterizedTest(name = "{0} read with {1}")
    @CsvSource({
        "prefect-connector.json, jq",
        "prefect-connector.json, python3",
        "prefect-connector.json, neither",
        "prefect-connector-avro.json, jq",
        "prefect-connector-avro.json, python3",
        "prefect-connector-avro.json, neither",
        "prefect-connector-staging.json, jq",
        "prefect-connector-staging.json, python3",
        "prefect-connector-staging.json, neither"
    })
    void registersTheConnectorTheAppDefines(String file, String reader, @TempDir Path bin) throws Exception {
        for (String tool : BASIC_TOOLS) link(bin, tool);
        if (!reader.equals("neither")) {
            Assumptions.assumeTrue(link(bin, reader), reader + " is not installed here");
        }
        ConnectorDefinition expected = ConnectorDefinition.load("connect-config/" + file);

        List<String> printed = dryRun(file, bin);

        assertEquals(expected.name(), printed.get(0));
        assertEquals(expected.config(), configOf(printed.subList(1, printed.size())));
    }

    private static List<String> dryRun(String file, Path bin) throws IOException, InterruptedException {
        ProcessBuilder run = new ProcessBuilder(
                        "sh",
                        SCRIPT.toString(),
                        "--dry-run",
                        SCRIPT.resolveSibling(file).toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        run.environment().put("PATH", bin.toString());
        Process process = run.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "register-connector.sh --dry-run " + file + " failed:\n" + out);
        return out.lines().toList();
    }

    /** The config as printed: one JSON object (jq, python3) or one {@code "key": "value"} setting per line. */
    private static Map<String, String> configOf(List<String> lines) throws IOException {
        String json = lines.size() == 1 ? lines.get(0) : "{" + String.join(",", lines) + "}";
        return new ObjectMapper().readValue(json, new TypeReference<LinkedHashMap<String, String>>() {});
    }

    /** Puts the program (a pyenv shim resolved to its interpreter) into {@code bin}; false when there is none. */
    private static boolean link(Path bin, String tool) throws IOException, InterruptedException {
        Process which = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
        String path = new String(which.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (which.waitFor() != 0 || path.isEmpty()) return false;
        if (tool.equals("python3")) path = realPython(path);
        // a wrapper rather than a link: JUnit warns about every link it deletes
        Path wrapper = Files.writeString(bin.resolve(tool), "#!/bin/sh\nexec '" + path + "' \"$@\"\n");
        wrapper.toFile().setExecutable(true);
        return true;
    }

    private static String realPython(String launcher) throws IOException, InterruptedException {
        Process real = new ProcessBuilder(launcher, "-c", "import sys; print(sys.executable)").start();
        String path = new String(real.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        return real.waitFor() == 0 && !path.isEmpty() ? path : launcher;
    }
}
