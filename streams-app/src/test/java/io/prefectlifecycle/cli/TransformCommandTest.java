package io.prefectlifecycle.cli;

import io.prefectlifecycle.golden.GoldenCasesTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code transform} is the offline form of the topology: on every golden case it prints the same bytes. */
class TransformCommandTest {

    static Stream<Path> cases() throws IOException {
        return GoldenCasesTest.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void printsTheGoldenEventsAndDeadLetters(Path caseDir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(caseDir.resolve("input.jsonl"))) {
            int status = new TransformCommand().transform(in, out, err, GoldenCasesTest.environment(caseDir));
            assertEquals(0, status);
        }
        String expected = Files.readString(caseDir.resolve("expected.jsonl"), StandardCharsets.UTF_8).strip();
        assertEquals(expected, out.toString(StandardCharsets.UTF_8).strip());
        Path deadLetters = caseDir.resolve("expected-dead-letters.txt");
        List<String> reasons = err.toString(StandardCharsets.UTF_8).lines()
                .map(line -> line.replaceAll("^.*\"reason\":\"(.*)\",\"exception_class\".*$", "$1")
                        .replace("\\\"", "\""))
                .toList();
        assertEquals(Files.exists(deadLetters) ? Files.readAllLines(deadLetters) : List.of(), reasons);
    }

}
