package io.prefectlifecycle.cli;

import io.prefectlifecycle.forward.Forwarder;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** forward's options, without a broker or a server: defaults, the shared filter grammar, one line per bad value. */
class ForwardCommandTest {

    @Test
    void defaultsAndTheFilterOfTail() throws Exception {
        Forwarder.Options options = parse(
                        "--prefect-api-url",
                        "http://prefect:4200/api",
                        "--event",
                        "prefect.deployment.*",
                        "--bootstrap-servers",
                        "kafka:9092")
                .options(Map.of("PREFECT_SERVER_API_AUTH_STRING", "admin:s3cret"));
        assertEquals(URI.create("http://prefect:4200/api"), options.apiUrl());
        assertEquals("prefect.lifecycle-events", options.topic());
        assertEquals("prefect-lifecycle-cdc-forward", options.groupId());
        assertEquals("prefect.lifecycle-events.dlq", options.deadLetterTopic());
        assertEquals(100, options.batchSize());
        assertEquals(1_500_000, options.maxEventBytes());
        assertEquals(Duration.ofSeconds(30), options.maxRetryInterval());
        assertFalse(options.fromBeginning());
        assertFalse(options.allowNative());
        assertEquals("kafka:9092", options.clients().getProperty("bootstrap.servers"));
        assertEquals(
                "the auth string in PREFECT_SERVER_API_AUTH_STRING",
                options.auth().describe());
        assertTrue(options.filter().names().matches("prefect.deployment.updated"));
        assertFalse(options.filter().names().matches("prefect.variable.created"));
    }

    @Test
    void badValuesAreOneLineWithExitStatusTwoAndNoSecret() {
        assertEquals(
                "forward: --prefect-api-url (or PREFECT_API_URL) is needed: Prefect's API URL, "
                        + "http://<host>:4200/api",
                run());
        assertEquals(
                "forward: --prefect-api-url must not hold credentials: give the auth string in "
                        + "PREFECT_API_AUTH_STRING (or PREFECT_API_KEY)",
                run("--prefect-api-url", "http://admin:s3cret@prefect/api"));
        assertEquals(
                "forward: --prefect-api-url 'ftp://prefect/api' is not an http(s)://host[:port]/api URL",
                run("--prefect-api-url", "ftp://prefect/api"));
        assertEquals(
                "forward: --batch-size 0 is not from 1 to 10000",
                run("--prefect-api-url", "http://prefect/api", "--batch-size", "0"));
        assertEquals(
                "forward: --resource-label prefect.resource.name: expected LABEL=VALUE",
                run("--prefect-api-url", "http://prefect/api", "--resource-label", "prefect.resource.name"));
        CommandLine.ParameterException badDuration = assertThrows(
                CommandLine.ParameterException.class,
                () -> Main.commandLine().getSubcommands().get("forward").parseArgs("--max-retry-interval", "30s"));
        assertTrue(badDuration.getMessage().contains("'30s' is not an ISO-8601 duration"), badDuration.getMessage());
    }

    private static ForwardCommand parse(String... args) {
        ForwardCommand command = new ForwardCommand();
        new CommandLine(command)
                .registerConverter(Duration.class, Duration::parse)
                .parseArgs(args);
        return command;
    }

    /** The command's stderr, after checking that it exits with 2 before touching Kafka. */
    private static String run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = parse(args).execute(Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8), f -> {});
        assertEquals(2, status);
        return err.toString(StandardCharsets.UTF_8).strip();
    }
}
