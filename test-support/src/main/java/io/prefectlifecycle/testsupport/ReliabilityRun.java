package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.CdcCapture.Captured;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.ReliabilityWorkload.Expected;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One reliability run: PostgreSQL with Prefect's tables, a KRaft broker and a Connect worker with Debezium (in this
 * JVM), the app as its own JVM ({@link AppProcess}), and {@link ReliabilityWorkload} writing on its own thread while
 * a test injects faults. At the end it checks what users rely on: every committed change that Prefect announces
 * became exactly one event, with the id and bytes {@code transform} gives the same CDC records, and nothing went to
 * the dead-letter topic.
 *
 * <p>Sizes: {@code -Dreliability.full=true} writes {@value #FULL_CHANGES} changes; the default {@value #CI_CHANGES}.
 */
public final class ReliabilityRun implements AutoCloseable {
    public static final boolean FULL = Boolean.getBoolean("reliability.full");
    public static final long FULL_CHANGES = 100_000;
    public static final long CI_CHANGES = 12_000;
    /** Captured tables the workload never writes: Debezium's heartbeats, and the schema's version row (snapshot). */
    private static final Set<String> NOT_THE_WORKLOADS = Set.of("prefect_cdc_heartbeat", "alembic_version");

    private final String test;
    private final LocalStack stack;
    private final AppProcess app;
    private final Path stateDir;
    private final Admin admin;
    private final TopologySettings settings = TopologySettings.defaults();
    private final ExecutorService writer =
            Executors.newSingleThreadExecutor(r -> new Thread(r, "reliability-workload"));
    private final PhaseTimings timings;
    private final Map<String, String> figures = new LinkedHashMap<>();
    private ReliabilityWorkload workload;
    private Connection db;

    private ReliabilityRun(String test, LocalStack stack, AppProcess app, Path stateDir, PhaseTimings timings) {
        this.test = test;
        this.stack = stack;
        this.app = app;
        this.stateDir = stateDir;
        this.timings = timings;
        this.admin = stack.kafka().admin();
    }

    /** The stack, the app (started before the connector, as in production) and the connector. */
    public static ReliabilityRun start(String test, Map<String, String> appEnvironment) throws Exception {
        PhaseTimings timings = new PhaseTimings(test);
        LocalStack stack = LocalStack.start();
        TopologySettings settings = TopologySettings.defaults();
        stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
        Path stateDir = Files.createTempDirectory("reliability-state-");
        AppProcess app =
                new AppProcess(test, stack.bootstrapServers(), test.toLowerCase(Locale.ROOT), stateDir, appEnvironment);
        ReliabilityRun run = new ReliabilityRun(test, stack, app, stateDir, timings);
        try {
            app.start();
            stack.registerConnector();
            timings.lap("stack start, app start, connector RUNNING");
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    public static long changesToWrite() {
        return FULL ? FULL_CHANGES : CI_CHANGES;
    }

    public LocalStack stack() {
        return stack;
    }

    public AppProcess app() {
        return app;
    }

    public PhaseTimings timings() {
        return timings;
    }

    /** Starts the workload on its own thread and connection. */
    public Future<Expected> startWorkload(long changes, int perSecond, long seed) throws Exception {
        db = stack.postgres().connect();
        workload = new ReliabilityWorkload(db, seed);
        return writer.submit(() -> workload.run(changes, perSecond));
    }

    public long changesWritten() {
        return workload == null ? 0 : workload.changesWritten();
    }

    /** Records a figure for the report (printed at the end, in order). */
    public void figure(String name, Object value) {
        figures.put(name, String.valueOf(value));
    }

    /** Sum of the app's committed offsets on the CDC topics: it grows as the app makes progress. */
    public long committedInput() throws Exception {
        return committed().values().stream().mapToLong(Long::longValue).sum();
    }

    /** CDC records written and not yet committed as processed by the app. */
    public long lag() throws Exception {
        Map<TopicPartition, Long> committed = committed();
        return endOffsets().entrySet().stream()
                .mapToLong(e -> Math.max(0, e.getValue() - committed.getOrDefault(e.getKey(), 0L)))
                .sum();
    }

    /**
     * Waits until Debezium has written every change the workload committed (counted independently, per table and
     * operation) and the app has committed past all of it.
     */
    public void awaitAllProcessed(Expected expected, Duration timeout) throws Exception {
        try (CdcCapture capture = new CdcCapture(stack.bootstrapServers())) {
            await("Debezium's records of the " + expected.changes() + " changes")
                    .atMost(timeout)
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        int before = capture.records().size();
                        if (capture.poll().records().size() > before) {
                            return false; // still reading: count once the topics are drained
                        }
                        return capturedChanges(capture).equals(expected.changesByTable());
                    });
        }
        timings.lap("Debezium caught up");
        Map<TopicPartition, Long> ends = endOffsets();
        await("the app's commit past " + ends)
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    Map<TopicPartition, Long> committed = committed();
                    return ends.entrySet().stream()
                            .allMatch(e -> committed.getOrDefault(e.getKey(), -1L) >= e.getValue());
                });
        timings.lap("app caught up");
    }

    /**
     * Stops the app and checks its events against the workload's count and {@code transform}'s output over the same
     * CDC records: the same ids, each once, byte for byte; nothing dead-lettered.
     */
    public void verify(Expected expected) throws Exception {
        app.stop();
        CommittedRecords.AppOutput output = CommittedRecords.readAppOutput(
                stack.bootstrapServers(), settings.eventsTopic(), settings.deadLetterTopic());
        List<String> events = output.events().stream().map(Received::value).toList();
        List<Received> deadLetters = output.deadLetters();
        timings.lap("read events (read_committed)");
        Map<String, String> reference = reference();
        timings.lap("reference: transform over the CDC topics");

        ExactlyOnceCheck.Comparison comparison = ExactlyOnceCheck.compare(events, reference);

        figure("transactions committed", expected.transactions());
        figure("changes committed", expected.changes());
        figure("changes per table and op", expected.changesByTable());
        figure("events expected (workload's count)", expected.events().total());
        figure("events expected per name", expected.events().countByName());
        figure("events expected (transform over the CDC topics)", reference.size());
        figure("events read (read_committed)", events.size());
        figure("distinct event ids read", comparison.seen().size());
        figure("duplicates", comparison.duplicates());
        figure("missing", comparison.missing().size());
        figure("unexpected ids", comparison.unexpected().size());
        figure(
                "events with other bytes than the reference",
                comparison.differing().size());
        figure("dead letters", deadLetters.size());
        timings.lap("comparison");

        assertEquals(
                expected.events().countByName(),
                comparison.referenceByName(),
                "the reference (transform over the CDC topics) has the events the workload committed, per event name");
        assertEquals(List.of(), ExactlyOnceCheck.describe(deadLetters), "dead letters");
        ExactlyOnceCheck.assertExactlyOnce(comparison);
    }

    /** Prints the timings and figures, and writes the figures to target/reliability/{test}.txt. */
    public void report() {
        timings.print();
        List<String> lines = new ArrayList<>();
        figures.forEach((name, value) -> lines.add(String.format(Locale.ROOT, "%s %-52s %s", test, name, value)));
        lines.forEach(System.out::println);
        try {
            Path file = ProjectPaths.root().resolve("streams-app/target/reliability/" + test + ".txt");
            Files.createDirectories(file.getParent());
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            app.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.shutdownNow();
        try {
            if (db != null) {
                db.close();
            }
        } catch (Exception ignored) {
            // the stack goes next
        }
        admin.close(Duration.ofSeconds(5));
        stack.close();
        try (Stream<Path> paths = Files.walk(stateDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temp dir must not fail the test
        }
    }

    /** Event id -> bytes of {@code transform} over the whole CDC topics, as {@link CdcCapture} reads them. */
    private Map<String, String> reference() throws Exception {
        Path input = ProjectPaths.root().resolve("streams-app/target/reliability/" + test + ".cdc.jsonl");
        try (CdcCapture capture = new CdcCapture(stack.bootstrapServers())) {
            Map<TopicPartition, Long> ends = endOffsets(List.of(stack.cdcTopic()));
            await("the CDC topics to their end")
                    .atMost(Duration.ofMinutes(5))
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        capture.poll();
                        Map<String, Long> read = capture.records().stream()
                                .collect(Collectors.groupingBy(Captured::topic, Collectors.counting()));
                        return ends.entrySet().stream()
                                .allMatch(e -> read.getOrDefault(e.getKey().topic(), 0L) >= e.getValue());
                    });
            capture.writeGolden(input);
            long changes =
                    capture.changes().stream().filter(r -> !r.isTombstone()).count();
            figure("CDC change records (Debezium)", changes);
            figure(
                    "CDC change records written twice (Debezium redelivery)",
                    changes
                            - capture.changes().stream()
                                    .filter(r -> !r.isTombstone())
                                    .map(ReliabilityRun::identity)
                                    .distinct()
                                    .count());
        }
        return ExactlyOnceCheck.transformReference(input);
    }

    /** Debezium's change records of the workload's tables, counted per table and op; redeliveries once. */
    private static Map<String, Map<String, Long>> capturedChanges(CdcCapture capture) {
        Set<String> distinct = new HashSet<>();
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        for (Captured r : capture.changes()) {
            if (r.isTombstone() || NOT_THE_WORKLOADS.contains(r.table())) {
                continue;
            }
            String op = r.valueJson().path("op").asText();
            if (distinct.add(identity(r))) {
                counts.computeIfAbsent(r.table(), t -> new TreeMap<>()).merge(op, 1L, Long::sum);
            }
        }
        return counts;
    }

    /** What makes a change record unique: a redelivery by Debezium repeats it. */
    private static String identity(Captured change) {
        return change.topic() + "|" + change.key() + "|"
                + CdcCapture.source(change).path("lsn").asText() + "|"
                + change.valueJson().path("op").asText();
    }

    private Map<TopicPartition, Long> committed() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(test.toLowerCase(Locale.ROOT))
                .partitionsToOffsetAndMetadata()
                .get();
        Set<String> inputTopics = Set.copyOf(inputTopics());
        Map<TopicPartition, Long> committed = new HashMap<>();
        offsets.forEach((tp, offset) -> {
            if (offset != null && inputTopics.contains(tp.topic())) {
                committed.put(tp, offset.offset());
            }
        });
        return committed;
    }

    /** The topic the app reads: the database's one change stream. */
    private List<String> inputTopics() {
        return List.of(stack.cdcTopic());
    }

    private Map<TopicPartition, Long> endOffsets() throws Exception {
        return endOffsets(inputTopics());
    }

    private Map<TopicPartition, Long> endOffsets(List<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : topics) {
            latest.put(new TopicPartition(topic, 0), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }
}
