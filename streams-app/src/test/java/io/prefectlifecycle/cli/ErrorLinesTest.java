package io.prefectlifecycle.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every command reports a bad value the same way, through the handlers set once in {@link Main}: one line,
 * {@code <command>: <option> '<value>' <why>}, exit status 2, no usage dump, no Java class name.
 */
class ErrorLinesTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "tail --max-events abc               | tail: --max-events 'abc' is not a whole number",
                "tail --dedupe-window 1.5            | tail: --dedupe-window '1.5' is not a whole number",
                "tail --output xml                   | tail: --output 'xml' must be one of json, text",
                "tail --since yesterday              | tail: --since 'yesterday' is not an ISO-8601 time (2026-06-01T00:00:00Z, 2026-06-01T02:00:00+02:00, 2026-06-01T00:00 or 2026-06-01; without an offset it is UTC)",
                "replay --from notadate              | replay: --from 'notadate' is not an ISO-8601 time (2026-06-01T00:00:00Z, 2026-06-01T02:00:00+02:00, 2026-06-01T00:00 or 2026-06-01; without an offset it is UTC)",
                "tail --bogus                        | tail: unknown option '--bogus' (did you mean --bootstrap-servers?); see tail --help",
                "replay --to-topic                   | replay: --to-topic: a value is needed; see replay --help",
                "bogus                               | prefect-lifecycle-cdc: unknown command 'bogus'; commands: run, transform, replay, tail, forward, parity, version",
                "run --http-port abc                 | run: http.port: 'abc' from flag --http-port must be an integer from 0 to 65535",
            })
    void aBadValueIsOneLineNamingTheOptionAndTheValue(String args, String expected) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine main = Main.commandLine();
        main.setErr(new PrintWriter(err, true));
        main.setOut(new PrintWriter(out, true));
        int status = main.execute(args.split(" "));
        assertEquals(2, status, err.toString());
        assertEquals(List.of(expected), err.toString().lines().toList());
        assertEquals("", out.toString(), "no usage dump");
        assertFalse(err.toString().contains("Exception"), "no Java class name");
    }

    /** {@code local} left this jar: the old command line gets the new one, in one line, status 2. */
    @Test
    void localSaysWhichJarItIsIn() {
        StringWriter err = new StringWriter();
        CommandLine main = Main.commandLine();
        main.setErr(new PrintWriter(err, true));
        assertEquals(2, main.execute("local", "--demo"));
        assertEquals(
                List.of(
                        "local is its own jar now: java -jar local/target/prefect-lifecycle-cdc-local.jar local --demo"),
                err.toString().lines().toList());
    }

    @Test
    void aFailureIsTheFirstLineOfItsMessageWithoutClassNames() {
        assertEquals(
                "connector prefect-lifecycle FAILED:",
                ErrorLines.oneLine(
                        new IllegalStateException(
                                "connector prefect-lifecycle FAILED:\norg.apache.kafka.connect.errors.ConnectException: x\n\tat y")));
        assertEquals(
                "Kafka at 127.0.0.1:9 does not answer",
                ErrorLines.oneLine(new RuntimeException(
                        new java.util.concurrent.TimeoutException("Kafka at 127.0.0.1:9 does not answer"))));
        assertEquals("cannot read it", ErrorLines.plain("cannot read it (java.nio.file.NoSuchFileException: /x)"));
        assertEquals(
                "PostgreSQL failed to start: postgres exited:",
                ErrorLines.oneLine(new java.io.IOException(
                        "PostgreSQL failed to start: java.lang.IllegalStateException: postgres exited:\nFATAL: …")));
        assertEquals(
                "failed (NullPointerException; PREFECT_CDC_LOG_LEVEL=DEBUG shows more)",
                ErrorLines.oneLine(new NullPointerException()));
    }

    @Test
    void picocliReasonsAreSaidInThisProjectsWords() {
        assertEquals("is not a whole number", ErrorLines.reason("'x' is not a long", "x"));
        assertEquals("is not a whole number", ErrorLines.reason("'x' is not an int", "x"));
        assertEquals("must be true or false", ErrorLines.reason("'x' is not a boolean", "x"));
        assertEquals(
                "is not an ISO-8601 duration (PT30S, PT5M)",
                ErrorLines.reason("'5' is not an ISO-8601 duration (PT30S, PT5M)", "5"));
    }
}
