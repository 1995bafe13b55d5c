package io.prefectlifecycle.cli;

import io.prefectlifecycle.tail.EventFilter;
import io.prefectlifecycle.tail.Tailer;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;

/** Subscribe to the events topic with Prefect's event filter grammar. */
@Command(
        name = "tail",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print events from the events topic, filtered with Prefect's event filter grammar.",
            "",
            "Reads committed events only (read_committed), prints each event id once within a window, and uses no "
                    + "consumer group (nothing is committed). Repeated options of one kind are OR-ed; different options "
                    + "are AND-ed. Avro events (run --format avro) are read back as their JSON event through "
                    + "--schema-registry-url. See docs/consumers.md.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  tail --event 'prefect.block-document.*' \\",
            "       --event '!prefect.block-document.deleted' --output text",
            "      new block-document events except deletes, one line each",
            "  tail --source staging --output text",
            "      events of the source staging only (header prefect.cdc.source)",
            "  tail --from-beginning --exit-at-end \\",
            "       --resource-id-prefix prefect.variable. --since 2026-06-01",
            "      every variable event since June 1st, as JSON lines, then exit"
        })
public final class TailCommand implements Callable<Integer> {

    enum Output {
        json,
        text
    }

    @Mixin
    KafkaConnection kafka;

    @Mixin
    SchemaRegistryOption schemaRegistry = new SchemaRegistryOption();

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = "${env:PREFECT_CDC_EVENTS_TOPIC:-" + TopologySettings.DEFAULT_EVENTS_TOPIC + "}",
            description = "Events topic (env PREFECT_CDC_EVENTS_TOPIC, as for run). Default: ${DEFAULT-VALUE}.")
    String topic;

    @Mixin
    EventFilterOptions filters = new EventFilterOptions();

    @Option(
            names = "--source",
            paramLabel = "NAME",
            description = "Only events of this source: the run's sources name (header prefect.cdc.source; "
                    + "prefect without sources). Repeatable: any of.")
    List<String> sources = new ArrayList<>();

    @Option(
            names = "--output",
            defaultValue = "json",
            paramLabel = "json|text",
            description = "json: each event's bytes as stored, one per line (an Avro event as its JSON, Prefect's "
                    + "bytes; needs --schema-registry-url); text: '<occurred> <event> <resource "
                    + "id> [<resource name>]'. Default: ${DEFAULT-VALUE}.")
    Output output;

    @Option(names = "--from-beginning", description = "Start at the beginning of the topic (default: its end).")
    boolean fromBeginning;

    @Option(
            names = "--max-events",
            defaultValue = "0",
            paramLabel = "N",
            description = "Exit after printing N events (0: no limit).")
    long maxEvents;

    @Option(names = "--exit-at-end", description = "Exit at the end of the topic as of start.")
    boolean exitAtEnd;

    @Option(
            names = "--dedupe-window",
            defaultValue = "10000",
            paramLabel = "N",
            description = "Remember the last N event ids and print an id once within them (0: off). "
                    + "Default: ${DEFAULT-VALUE}.")
    int dedupeWindow;

    @Override
    public Integer call() {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        Tailer tailer;
        Properties clients;
        try {
            clients = kafka.properties(System.getenv());
            tailer = tailer(out, err, System.getenv());
        } catch (IllegalArgumentException | IOException e) {
            err.println("tail: " + e.getMessage());
            return 2;
        }
        return UntilStopped.run(
                "tail",
                new UntilStopped.Work() {
                    @Override
                    public void run() throws Exception {
                        kafka.checkLogin(clients);
                        tailer.run();
                    }

                    @Override
                    public void stop() {
                        tailer.stop();
                    }
                },
                Duration.ofSeconds(10),
                err);
    }

    /** The tail described by the options, writing to the given streams (tests run it in-process). */
    public Tailer tailer(OutputStream out, PrintStream err, Map<String, String> env) throws IOException {
        if (maxEvents < 0 || dedupeWindow < 0) {
            throw new IllegalArgumentException("--max-events and --dedupe-window must not be negative");
        }
        Tailer.Options options = new Tailer.Options(
                kafka.properties(env),
                topic,
                filter(),
                output == Output.json,
                fromBeginning,
                maxEvents,
                dedupeWindow,
                exitAtEnd,
                schemaRegistry.url(env),
                Set.copyOf(sources));
        return new Tailer(options, out, err);
    }

    public EventFilter filter() {
        return filters.filter();
    }
}
