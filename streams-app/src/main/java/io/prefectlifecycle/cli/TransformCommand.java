package io.prefectlifecycle.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.stream.ChangeStream;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.stream.InMemoryRowStore;
import io.prefectlifecycle.stream.InMemoryTransactionState;
import io.prefectlifecycle.stream.InputRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The offline form of the pipeline: Kafka records as JSON lines ({@code {"topic":…,"key":…,"value":…}}) on stdin,
 * events on stdout (the exact bytes the app writes as record values), dead letters on stderr as JSON lines. Records
 * an Avro converter wrote go in as {@code value_base64}/{@code key_base64}, read through {@code --schema-registry-url}.
 * The output is JSON only: Avro events are binary, and equal to the JSON ones once read back (docs/adr/0003).
 */
@Command(
        name = "transform",
        mixinStandardHelpOptions = true,
        description = {
            "Turn a dump of Debezium records into Prefect events, offline.",
            "",
            "stdin: the change stream's records in its order (commit order), one per line, "
                    + "{\"topic\":…,\"key\":…,\"value\":…} (value null = tombstone); the last transaction ends at the "
                    + "end of the input. Records "
                    + "written by an Avro converter (Confluent wire format) give \"key_base64\"/\"value_base64\" instead "
                    + "of \"key\"/\"value\", with --schema-registry-url.",
            "stdout: one event per line, as JSON (the bytes of --format json; an Avro event read back gives the same).",
            "stderr: one dead letter per line, as JSON with the reason; and lines starting \"transform:\" about the "
                    + "input: a record whose topic does not name its source's connector and table (the table is read "
                    + "from source), and at the end the records of tables without a kind, per table (skipped; dead "
                    + "letters with --strict).",
            "The Fernet key comes from PREFECT_SERVER_ENCRYPTION_KEY or from a configuration row in the input.",
            ""
        })
public final class TransformCommand implements Callable<Integer> {

    @Option(names = "--emit-snapshot-reads", description = "Emit snapshot reads (op r) as created events.")
    boolean emitSnapshotReads;

    @Option(names = "--strict", description = "Records of tables without a kind are dead letters instead of skipped.")
    boolean strict;

    @Mixin
    SchemaRegistryOption schemaRegistry = new SchemaRegistryOption();

    @Option(
            names = {"--format", "--event-format"},
            paramLabel = "json",
            defaultValue = "json",
            description = "Only json: events are printed as JSON lines; Avro events are binary (run and replay write "
                    + "them with --format avro, tail prints them as JSON). Default: ${DEFAULT-VALUE}.")
    String format = "json";

    @Override
    public Integer call() throws IOException {
        return transform(
                System.in,
                new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err),
                System.getenv());
    }

    /** The whole command on given streams and environment (tests run it in-process). */
    public int transform(InputStream stdin, OutputStream stdout, OutputStream stderr, Map<String, String> env)
            throws IOException {
        PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
        Optional<SchemaRegistryClient> registry;
        try {
            if (EventFormat.parse(format) != EventFormat.JSON) {
                throw new IllegalArgumentException("--format " + format + ": transform prints JSON lines only; Avro "
                        + "events are binary (run and replay write them with --format avro; tail prints them as JSON)");
            }
            registry = schemaRegistry.url(env).map(SchemaRegistryClient::new);
        } catch (IllegalArgumentException e) {
            err.println("transform: " + e.getMessage());
            return 2;
        }
        ChangeDecoder decoder = new ChangeDecoder(
                registry.<WriterSchemas>map(RegistryWriterSchemas::new).orElse(WriterSchemas.NONE));
        ChangeStream stream = new ChangeStream(
                new InMemoryRowStore(),
                new InMemoryTransactionState(),
                EncryptionKeys.fromEnvironment(env),
                emitSnapshotReads,
                decoder);
        PrintStream out = new PrintStream(new BufferedOutputStream(stdout, 1 << 16), false, StandardCharsets.UTF_8);
        Map<String, Long> unmapped = new TreeMap<>();
        Consumer<Emission> write = emission -> write(emission, out, err, unmapped);
        TopicCheck topics = new TopicCheck();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8))) {
            String line;
            long lineNumber = 0;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (!line.isBlank()) {
                    offer(stream, line, lineNumber, err, write, topics);
                }
            }
            // a dump ends where it ends: its last transaction, which without END records nothing else would end
            stream.endOfInput(write);
        } catch (SchemaRegistryException e) {
            out.flush();
            err.println("transform: schema registry: " + e.getMessage());
            return 1;
        }
        out.flush();
        if (!unmapped.isEmpty()) {
            err.println(unmappedSummary(unmapped));
        }
        return 0;
    }

    private String unmappedSummary(Map<String, Long> unmapped) {
        long records = unmapped.values().stream().mapToLong(Long::longValue).sum();
        return String.format(
                Locale.ROOT,
                "transform: %,d record(s) of tables without a kind %s: %s",
                records,
                strict ? "were dead letters (--strict)" : "were skipped (--strict makes them dead letters)",
                unmapped.entrySet().stream()
                        .map(e -> e.getKey() + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
    }

    /** One line of input, in order: the records of a dump are the change stream's, one record per line. */
    private static void offer(
            ChangeStream stream,
            String line,
            long lineNumber,
            PrintStream err,
            Consumer<Emission> write,
            TopicCheck topics) {
        FixtureRecord record;
        try {
            record = FixtureRecord.parse(line);
        } catch (IllegalArgumentException e) {
            err.println(deadLetter(lineNumber - 1, null, e.getMessage(), "MalformedInput"));
            return;
        }
        long offset = record.offset() < 0 ? lineNumber - 1 : record.offset();
        topics.mismatch(record.topic(), record.value())
                .ifPresent(mismatch -> err.println("transform: line " + lineNumber + ": " + mismatch));
        stream.offer(new InputRecord(record.topic(), record.partition(), offset, record.key(), record.value()), write);
    }

    private void write(Emission emission, PrintStream out, PrintStream err, Map<String, Long> unmapped) {
        String deadLetter = emission.outcome()
                .match(
                        events -> {
                            for (LifecycleEvent event : events.events()) {
                                out.print(event.toJson());
                                out.print('\n');
                            }
                            return null;
                        },
                        skipped -> {
                            if (skipped.category() != IgnoredCategory.UNMAPPED_TABLE) {
                                return null;
                            }
                            unmapped.merge(
                                    skipped.reason().substring(ChangeStream.UNMAPPED_TABLE.length()), 1L, Long::sum);
                            return strict
                                    ? deadLetter(
                                            emission.source().offset(),
                                            emission.source().topic(),
                                            skipped.reason(),
                                            "UnmappedTable")
                                    : null;
                        },
                        dead -> deadLetter(
                                emission.source().offset(),
                                emission.source().topic(),
                                dead.reason(),
                                dead.exceptionClass()));
        if (deadLetter != null) {
            err.println(deadLetter);
        }
    }

    /** A dead letter on stderr; {@code offset} is the record's offset, by default its 0-based line number. */
    private static String deadLetter(long offset, String topic, String reason, String exceptionClass) {
        ObjectNode dead = Json.MAPPER.createObjectNode();
        dead.put("offset", offset);
        dead.put("topic", topic);
        dead.put("reason", reason);
        dead.put("exception_class", exceptionClass);
        return dead.toString();
    }
}
