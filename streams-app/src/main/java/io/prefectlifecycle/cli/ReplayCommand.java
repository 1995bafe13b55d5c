package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.CdcSource;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.replay.ReplayException;
import io.prefectlifecycle.replay.ReplayOptions;
import io.prefectlifecycle.replay.ReplayResult;
import io.prefectlifecycle.replay.Replayer;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.tail.EventTimes;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** Backfill: the live pipeline over the retained change stream, into a separate topic or the live one. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Re-derive events from the retained CDC topic, with the live run's ids and bytes.",
            "",
            "Reads the CDC topic from its first retained offset up to its end offset at start, without a "
                    + "consumer group (the live application's offsets and state are untouched), runs the records through "
                    + "the live pipeline and writes the events with a transactional producer, in the live run's format "
                    + "(--format, --schema-registry-url: give the live application's settings). Progress on stderr; stops "
                    + "by itself. See docs/operations.md.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  replay --bootstrap-servers kafka:9092",
            "      everything, into prefect.lifecycle-events.replay (created when missing)",
            "  replay --from 2026-06-01T00:00:00Z --to-topic prefect.lifecycle-events",
            "      events since June 1st, into the live topic",
            "  replay --to-topic prefect.lifecycle-events --format avro \\",
            "         --schema-registry-url http://schema-registry:8081",
            "      Avro events into the live topic: the live run's bytes (<to-topic>-value)",
            "  replay --sources prod=prefect-prod,staging=prefect-staging --source staging",
            "      staging's change stream (prefect-staging.cdc), as run wrote it"
        })
public final class ReplayCommand implements Callable<Integer> {

    static final String DEFAULT_TO_TOPIC = TopologySettings.DEFAULT_EVENTS_TOPIC + ".replay";

    @Mixin
    KafkaConnection kafka;

    @Mixin
    EventFormatOptions eventFormat = new EventFormatOptions();

    @Option(
            names = "--topic-prefix",
            defaultValue = "${env:PREFECT_CDC_TOPIC_PREFIX:-prefect}",
            paramLabel = "PREFIX",
            description = "Debezium topic.prefix: the CDC topic is <prefix>.cdc (env PREFECT_CDC_TOPIC_PREFIX, as for "
                    + "run). Default: ${DEFAULT-VALUE}.")
    String topicPrefix;

    @Option(
            names = "--cdc-topic",
            defaultValue = "${env:PREFECT_CDC_CDC_TOPIC}",
            paramLabel = "TOPIC",
            description = "The CDC topic, when not <topic-prefix>.cdc (env PREFECT_CDC_CDC_TOPIC, as for run).")
    String cdcTopic;

    @Option(
            names = "--sources",
            defaultValue = "${env:PREFECT_CDC_SOURCES}",
            paramLabel = "NAME=PREFIX,...",
            description = "The run's sources (env PREFECT_CDC_SOURCES, as for run); with them, --source picks the one "
                    + "to replay.")
    String sources;

    @Option(
            names = "--source",
            paramLabel = "NAME",
            description = "The source to replay, one of --sources: its change stream, its own Fernet key "
                    + "(PREFECT_SERVER_ENCRYPTION_KEY_<NAME>) and its name in the events' prefect.cdc.source header.")
    String source;

    @Option(
            names = "--source-label",
            defaultValue = "${env:PREFECT_CDC_SOURCE_LABEL:-false}",
            arity = "0..1",
            fallbackValue = "true",
            description = "Add the resource label prefect.cdc.source, as run does with it (env "
                    + "PREFECT_CDC_SOURCE_LABEL).")
    boolean sourceLabel;

    @Option(
            names = "--to-topic",
            defaultValue = DEFAULT_TO_TOPIC,
            paramLabel = "TOPIC",
            description = "Target topic, created when missing (with the live events topic's partitions and "
                    + "replication). Writing into the live events topic must be asked for (consumers de-duplicate by "
                    + "event id). Default: ${DEFAULT-VALUE}.")
    String toTopic;

    @Option(
            names = "--from",
            paramLabel = "TIME",
            converter = InstantConverter.class,
            description = "Write only events that occurred at or after this time (ISO-8601: "
                    + "2026-06-01T00:00:00Z, 2026-06-01T02:00+02:00, 2026-06-01 = midnight UTC). The whole history "
                    + "is still read: deletes, unchanged TOASTed values and block documents need earlier rows.")
    Instant from;

    @Option(
            names = "--emit-snapshot-reads",
            defaultValue = "${env:PREFECT_CDC_EMIT_SNAPSHOT_READS:-false}",
            description = "Emit snapshot reads (op r) as created events; use the live application's setting "
                    + "(env PREFECT_CDC_EMIT_SNAPSHOT_READS).")
    boolean emitSnapshotReads;

    @Option(
            names = "--dead-letter-topic",
            paramLabel = "TOPIC",
            description = "Write records that cannot become events to this topic (created when missing), as the live "
                    + "application writes its dead-letter topic. Default: one JSON line each on stderr (the live "
                    + "run already put the same records in its dead-letter topic).")
    String deadLetterTopic;

    @Option(
            names = "--transactional-id",
            paramLabel = "ID",
            description = "The producer's transactional.id; a second replay with the same id fences the first. "
                    + "Default: prefect-lifecycle-cdc-replay-<to-topic>.")
    String transactionalId;

    @Override
    public Integer call() {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Replayer replayer;
        Properties clients;
        try {
            clients = kafka.properties(System.getenv());
            replayer = new Replayer(options(System.getenv()), err, System::nanoTime);
        } catch (IllegalArgumentException | IOException e) {
            err.println("replay: " + e.getMessage());
            return 2;
        }
        return UntilStopped.run(
                "replay",
                new UntilStopped.Work() {
                    @Override
                    public void run() throws Exception {
                        kafka.checkLogin(clients);
                        replayer.run();
                    }

                    @Override
                    public void stop() {
                        replayer.stop();
                    }
                },
                Duration.ofSeconds(30),
                err);
    }

    /** The replay described by the options, for an in-process run (tests). */
    public ReplayResult replay(PrintStream err, Map<String, String> env) throws ReplayException, IOException {
        return new Replayer(options(env), err, System::nanoTime).run();
    }

    public ReplayOptions options(Map<String, String> env) throws IOException {
        String cdc = cdcTopic == null || cdcTopic.isBlank() ? TopologySettings.cdcTopicOf(topicPrefix) : cdcTopic;
        String name = TopologySettings.DEFAULT_SOURCE;
        Optional<FernetKey> common = EncryptionKeys.fromEnvironment(env);
        Optional<FernetKey> key = common;
        Optional<CdcSource> chosen = chosenSource();
        if (chosen.isPresent()) {
            cdc = chosen.get().cdcTopic();
            name = chosen.get().name();
            key = EncryptionKeys.fromVariable(env, chosen.get().keyVariable()).or(() -> common);
        }
        // the live topics, whose partitions and replication a created target topic copies
        String events = env.getOrDefault("PREFECT_CDC_EVENTS_TOPIC", TopologySettings.DEFAULT_EVENTS_TOPIC);
        if (Boolean.parseBoolean(env.getOrDefault("PREFECT_CDC_EVENTS_TOPIC_PER_SOURCE", "false"))) {
            events = events + "." + name;
        }
        TopologySettings settings = new TopologySettings(
                        cdc,
                        events,
                        env.getOrDefault("PREFECT_CDC_DEAD_LETTER_TOPIC", TopologySettings.DEFAULT_DEAD_LETTER_TOPIC),
                        key,
                        emitSnapshotReads)
                .withEventFormat(eventFormat.format(env), eventFormat.registry(env))
                .withSource(name, sourceLabel);
        return new ReplayOptions(
                kafka.properties(env),
                settings,
                toTopic,
                Optional.ofNullable(deadLetterTopic),
                Optional.ofNullable(from),
                transactionalId != null ? transactionalId : "prefect-lifecycle-cdc-replay-" + toTopic);
    }

    /** The source named by --source among --sources; none without --sources. */
    private Optional<CdcSource> chosenSource() {
        List<CdcSource> all = CdcSource.parseList(sources == null ? "" : sources);
        if (all.isEmpty()) {
            if (source != null && !source.equals(TopologySettings.DEFAULT_SOURCE)) {
                throw new IllegalArgumentException(
                        "--source " + source + " needs --sources (or PREFECT_CDC_SOURCES) " + "naming it");
            }
            return Optional.empty();
        }
        String names = all.stream().map(CdcSource::name).collect(Collectors.joining(", "));
        if (source == null) {
            if (all.size() == 1) {
                return Optional.of(all.get(0));
            }
            throw new IllegalArgumentException(
                    "--source is needed: a replay reads one source's change stream; one " + "of " + names);
        }
        return Optional.of(all.stream()
                .filter(s -> s.name().equals(source))
                .findFirst()
                .orElseThrow(() ->
                        new IllegalArgumentException("--source " + source + " is not one of the sources: " + names)));
    }

    /** ISO-8601 instants, offset date-times, local date-times and dates (both taken as UTC). */
    static final class InstantConverter implements CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return EventTimes.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
