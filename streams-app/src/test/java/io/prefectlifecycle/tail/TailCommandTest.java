package io.prefectlifecycle.tail;

import io.prefectlifecycle.cli.TailCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static io.prefectlifecycle.tail.EventFilterTest.DOCUMENT_CREATED;
import static io.prefectlifecycle.tail.EventFilterTest.VARIABLE_CREATED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line of {@code tail} builds the filter; no broker. */
class TailCommandTest {

    @Test
    void repeatedOptionsAreOredAndDifferentOnesAnded() {
        EventFilter filter = parse(
                        "--event",
                        "prefect.block-document.*",
                        "--event",
                        "prefect.variable.created",
                        "--event",
                        "!prefect.block-document.deleted",
                        "--resource-id-prefix",
                        "prefect.block-document.",
                        "--resource-id-prefix",
                        "prefect.variable.")
                .filter();
        assertTrue(filter.includes(DOCUMENT_CREATED));
        assertTrue(filter.includes(VARIABLE_CREATED));
        assertFalse(parse("--event", "prefect.block-document.*", "--resource-id-prefix", "prefect.variable.")
                .filter()
                .includes(VARIABLE_CREATED));
    }

    @Test
    void labelsRelatedAndTimes() {
        assertTrue(
                parse("--resource-label", "prefect.resource.name=db_*").filter().includes(VARIABLE_CREATED));
        assertFalse(parse(
                        "--resource-label",
                        "prefect.resource.name=db_*",
                        "--resource-label",
                        "prefect.resource.name=!db_url")
                .filter()
                .includes(VARIABLE_CREATED));
        assertTrue(parse("--related-id", EventFilterTest.TYPE, "--related-role", "block-type")
                .filter()
                .includes(DOCUMENT_CREATED));
        assertFalse(parse("--related-role", "block-type").filter().includes(VARIABLE_CREATED));
        assertTrue(parse("--since", "2026-11-26", "--until", "2026-11-26T19:02:50.740167Z")
                .filter()
                .includes(VARIABLE_CREATED));
        assertFalse(parse("--since", "2026-11-26T20:00+01:00", "--until", "2026-11-26T19:02:50.740166Z")
                .filter()
                .includes(VARIABLE_CREATED));
    }

    @Test
    void workPoolEventsByNameAndByTheirTypeLabel() {
        TailedEvent poolCreated =
                TailedEvent.parse(EventFilterTest.bytes("{\"occurred\":\"2026-06-05T14:00:00.035169Z\","
                        + "\"event\":\"prefect.work-pool.created\",\"resource\":{\"prefect.resource.id\":"
                        + "\"prefect.work-pool.32e791ba-074d-4ecb-8475-679b51030f5e\",\"prefect.resource.name\":\"k8s-prod\","
                        + "\"prefect.work-pool.type\":\"kubernetes\",\"prefect.resource.role\":\"work-pool\"},\"related\":"
                        + "[{\"prefect.resource.id\":\"prefect.work-queue.563d1a20-fe71-4058-8850-1a068bbf1b99\","
                        + "\"prefect.resource.role\":\"default-queue\"}],\"payload\":{},"
                        + "\"id\":\"01a2193d-3290-7000-8000-000000000002\",\"follows\":null}"));
        assertTrue(parse("--event", "prefect.work-pool.*").filter().includes(poolCreated));
        assertFalse(parse("--event", "prefect.work-pool.*").filter().includes(VARIABLE_CREATED));
        assertTrue(parse("--resource-label", "prefect.work-pool.type=kubernetes", "--related-role", "default-queue")
                .filter()
                .includes(poolCreated));
        assertFalse(parse("--resource-label", "prefect.work-pool.type=process")
                .filter()
                .includes(poolCreated));
        assertTrue(parse("--resource-id-prefix", "prefect.work-pool.", "--event", "!prefect.work-pool.deleted")
                .filter()
                .includes(poolCreated));
    }

    @Test
    void badLabelsAndPatternsAreRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> parse("--resource-label", "db_*").filter());
        assertThrows(
                IllegalArgumentException.class,
                () -> parse("--event", "prefect.*.created").filter());
    }

    @Test
    void usageErrors() {
        assertEquals(2, execute("--output", "yaml"));
        assertEquals(2, execute("--since", "last week"));
        assertEquals(2, execute("--max-events", "many"));
    }

    @Test
    void helpListsTheOptions() {
        StringWriter out = new StringWriter();
        assertEquals(
                0,
                new CommandLine(new TailCommand()).setOut(new PrintWriter(out)).execute("--help"));
        for (String option : new String[] {
            "--event",
            "--resource-id",
            "--resource-id-prefix",
            "--resource-label",
            "--related-id",
            "--related-role",
            "--since",
            "--until",
            "--output",
            "--from-beginning",
            "--max-events",
            "--dedupe-window",
            "--exit-at-end",
            "--bootstrap-servers",
            "--command-config",
            "--topic"
        }) {
            assertTrue(out.toString().contains(option), option);
        }
    }

    private static int execute(String... args) {
        return new CommandLine(new TailCommand())
                .setErr(new PrintWriter(new StringWriter()))
                .execute(args);
    }

    private static TailCommand parse(String... args) {
        TailCommand command = new TailCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }
}
