package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppProcess;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.ExactlyOnceCheck;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.testsupport.ReliabilityWorkload;
import io.prefectlifecycle.testsupport.ReliabilityWorkload.Expected;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Many Prefect databases, one application that scales out (issue 16): four databases in one PostgreSQL cluster, each
 * captured by its own Debezium connector on one Connect worker, and two instances of the shipped jar ({@code run
 * --sources}, exactly-once v2, one standby replica) in their own JVMs, while Prefect's writes flow into all four:
 * <ol>
 *   <li>the four tasks are split 2/2 over the instances ({@code /health/ready} of each);</li>
 *   <li>one instance is SIGKILLed mid-load: the other takes its tasks (it runs all four);</li>
 *   <li>the killed one comes back with its state directory: the tasks are split 2/2 again;</li>
 *   <li>every event of every source is there once ({@code read_committed}), with the id and bytes {@code transform}
 *       gives that source's change stream, under its {@code prefect.cdc.source} header; the counts are those the
 *       workload committed; ids differ across sources; nothing is dead-lettered; the group's committed input offsets
 *       never went back (nothing was processed twice into the output).</li>
 * </ol>
 * {@code -Dsources.changes=N} (per database, default {@value #DEFAULT_CHANGES}), {@code -Dsources.rate=N} (changes
 * per second per database, default {@value #DEFAULT_RATE}), {@code -Dsources.transaction.timeout.ms=N} (the
 * instances' producer transaction timeout, default 10000: Kafka Streams' own; the app's default is 5 min).
 */
class SourcesIT {
    private static final List<String> NAMES = List.of("prod", "staging", "research", "ops");
    private static final long DEFAULT_CHANGES = 1_500;
    private static final int DEFAULT_RATE = 40;
    private static final String APPLICATION_ID = "sources-it";
    private static final String TRANSACTION_TIMEOUT_MS = System.getProperty("sources.transaction.timeout.ms", "10000");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Map<String, String> figures = new LinkedHashMap<>();

    @Test
    void fourDatabasesTwoInstancesOneKilledNothingLostNothingTwice() throws Exception {
        long changes = Long.getLong("sources.changes", DEFAULT_CHANGES);
        figure("producer transaction timeout of the instances", TRANSACTION_TIMEOUT_MS + " ms");
        int rate = Integer.getInteger("sources.rate", DEFAULT_RATE);
        PhaseTimings timings = new PhaseTimings("SourcesIT");
        ExecutorService writers = Executors.newFixedThreadPool(NAMES.size());
        List<Connection> connections = new ArrayList<>();
        try (LocalStack stack = LocalStack.start();
                Admin admin = stack.kafka().admin()) {
            TopologySettings defaults = TopologySettings.defaults();
            Map<String, DatabaseCoordinates> databases = new LinkedHashMap<>();
            List<String> topics = new ArrayList<>(List.of(defaults.eventsTopic(), defaults.deadLetterTopic()));
            for (String name : NAMES) {
                databases.put(
                        name,
                        stack.postgres()
                                .createDatabase(
                                        name,
                                        List.of("schemas/prefect-postgres.sql", "schemas/debezium-heartbeat.sql")));
                topics.add(cdcTopic(name));
                topics.add("__debezium-heartbeat." + prefix(name));
            }
            stack.kafka().createTopics(topics);
            timings.lap("stack, four databases, topics");

            String sources = NAMES.stream().map(n -> n + "=" + prefix(n)).collect(Collectors.joining(","));
            Instance a = new Instance("SourcesIT-a", stack.bootstrapServers(), sources);
            Instance b = new Instance("SourcesIT-b", stack.bootstrapServers(), sources);
            try {
                a.process.start();
                b.process.start();
                awaitSplit(a, b, "both instances started");
                timings.lap("two instances RUNNING, tasks split 2/2");

                for (String name : NAMES) {
                    ConnectorDefinition base = ConnectorDefinition.load();
                    ConnectorDefinition connector = new ConnectorDefinition("prefect-lifecycle-" + name, base.config())
                            .with(Map.of(
                                    "topic.prefix",
                                    prefix(name),
                                    "slot.name",
                                    "lifecycle_" + name,
                                    "publication.name",
                                    "lifecycle_" + name));
                    stack.connect().registerConnector(connector, databases.get(name), Duration.ofSeconds(120));
                }
                timings.lap("four connectors RUNNING");

                OffsetWatch watch = new OffsetWatch(admin);
                Thread watcher = new Thread(watch, "sources-it-offsets");
                watcher.setDaemon(true);
                watcher.start();
                Map<String, ReliabilityWorkload> workloads = new LinkedHashMap<>();
                Map<String, Future<Expected>> written = new LinkedHashMap<>();
                for (int i = 0; i < NAMES.size(); i++) {
                    String name = NAMES.get(i);
                    Connection db = stack.postgres().connect(name);
                    connections.add(db);
                    ReliabilityWorkload workload = new ReliabilityWorkload(db, 16_000L + i);
                    workloads.put(name, workload);
                    written.put(name, writers.submit(() -> workload.run(changes, rate)));
                }
                long total = changes * NAMES.size();
                await("a third of the load written")
                        .atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> workloads.values().stream()
                                        .mapToLong(ReliabilityWorkload::changesWritten)
                                        .sum()
                                >= total / 3);
                figure(
                        "changes written when b is killed",
                        workloads.values().stream()
                                        .mapToLong(ReliabilityWorkload::changesWritten)
                                        .sum() + " of " + total);
                figure("b's active tasks when killed", b.activeSources());
                b.process.kill();
                long killed = System.nanoTime();
                timings.lap("load to a third, b SIGKILLed");
                await("a runs all four tasks")
                        .atMost(Duration.ofMinutes(7))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> a.activeSources().size() == NAMES.size());
                figure("SIGKILL of b -> a runs all four tasks", (System.nanoTime() - killed) / 1_000_000 + " ms");
                long committedAfterFailover = watch.committedSum();
                await("a processes b's sources")
                        .atMost(Duration.ofMinutes(2))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> watch.committedSum() > committedAfterFailover);
                timings.lap("a took b's tasks over");
                long writtenAtRestart = workloads.values().stream()
                        .mapToLong(ReliabilityWorkload::changesWritten)
                        .sum();
                figure("changes written when b restarts", writtenAtRestart + " of " + total);
                b.process.start();
                long restarted = System.nanoTime();
                awaitSplit(a, b, "b is back");
                figure("b restarted -> tasks split 2/2 again", (System.nanoTime() - restarted) / 1_000_000 + " ms");
                figure("active tasks after b is back", "a " + a.activeSources() + ", b " + b.activeSources());
                timings.lap("b back, tasks split 2/2");

                Map<String, Expected> expected = new LinkedHashMap<>();
                for (Map.Entry<String, Future<Expected>> w : written.entrySet()) {
                    expected.put(w.getKey(), w.getValue().get(5, TimeUnit.MINUTES));
                }
                figure(
                        "changes written after b restarted",
                        expected.values().stream().mapToLong(Expected::changes).sum() - writtenAtRestart);
                timings.lap("load written");
                awaitSentinels(stack.bootstrapServers(), defaults.eventsTopic());
                timings.lap("every source's last event out");
                watch.stop();
                watcher.join(5_000);
                a.process.stop();
                b.process.stop();
                timings.lap("instances stopped");

                verify(stack, defaults, expected, watch);
                timings.lap("verified");
                figure(
                        "restores in b's log after its restart",
                        b.process.logLinesContaining("restored state store").stream()
                                .filter(l -> !l.endsWith(": 0 records"))
                                .map(l -> l.replaceFirst(".*restored ", ""))
                                .toList());
            } finally {
                a.process.stop();
                b.process.stop();
            }
        } finally {
            writers.shutdownNow();
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // the cluster is gone already
                }
            }
            timings.print();
            report();
        }
    }

    /** Each source's events against {@code transform} over that source's change stream, and the workload's counts. */
    private void verify(LocalStack stack, TopologySettings defaults, Map<String, Expected> expected, OffsetWatch watch)
            throws Exception {
        CommittedRecords.AppOutput output = CommittedRecords.readAppOutput(
                stack.bootstrapServers(), defaults.eventsTopic(), defaults.deadLetterTopic());
        List<Received> events = output.events();
        List<Received> deadLetters = output.deadLetters();
        figure("events read (read_committed)", events.size());
        figure("dead letters", deadLetters.size());
        figure("committed input offsets that went back", watch.regressions());
        Map<String, List<Received>> bySource = events.stream()
                .collect(Collectors.groupingBy(
                        e -> String.valueOf(e.header(TopologySettings.SOURCE_HEADER)),
                        TreeMap::new,
                        Collectors.toList()));
        assertEquals(
                new TreeMap<>(NAMES.stream().collect(Collectors.toMap(n -> n, n -> n))).keySet(),
                bySource.keySet(),
                "every event names one of the four sources in its header");

        Set<String> allIds = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (String name : NAMES) {
            Map<String, String> reference = reference(stack.bootstrapServers(), name);
            List<Received> own = bySource.get(name);
            ExactlyOnceCheck.Comparison c =
                    ExactlyOnceCheck.compare(own.stream().map(Received::value).toList(), reference);
            Map<String, Long> referenceByName = c.referenceByName();
            long duplicates = c.duplicates();
            long missing = c.missing().size();
            long unexpected = c.unexpected().size();
            long differing = c.differing().size();
            figure(
                    name + ": events expected (workload)",
                    expected.get(name).events().total());
            figure(name + ": events (transform over " + cdcTopic(name) + ")", reference.size());
            figure(
                    name + ": events read",
                    own.size() + " (duplicates " + duplicates + ", missing " + missing + ", unexpected " + unexpected
                            + ", other bytes " + differing + ")");
            if (!expected.get(name).events().countByName().equals(referenceByName)) {
                problems.add(name + ": the workload's events per name "
                        + expected.get(name).events().countByName() + " are not transform's " + referenceByName);
            }
            if (duplicates + missing + unexpected + differing > 0) {
                problems.add(name + ": duplicates " + duplicates + ", missing " + missing + ", unexpected " + unexpected
                        + ", other bytes " + differing);
            }
            allIds.addAll(c.seen().keySet());
        }
        figure("distinct event ids over the four sources", allIds.size());
        assertEquals(
                List.of(),
                ExactlyOnceCheck.describe(deadLetters).stream().limit(10).toList(),
                "dead letters");
        assertEquals(List.of(), problems);
        assertEquals(events.size(), allIds.size(), "ids are distinct across sources (the connector is an id input)");
        assertEquals(List.of(), watch.regressions(), "committed input offsets never went back");
    }

    /** Event id -> bytes of {@code transform} (the product's pipeline, in this JVM) over one source's change stream. */
    private Map<String, String> reference(String bootstrapServers, String name) throws Exception {
        Path input = ProjectPaths.root().resolve("streams-app/target/reliability/SourcesIT-" + name + ".cdc.jsonl");
        Files.createDirectories(input.getParent());
        long end;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            TopicPartition partition = new TopicPartition(cdcTopic(name), 0);
            end = admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                    .all()
                    .get()
                    .get(partition)
                    .offset();
        }
        try (CdcCapture capture = new CdcCapture(bootstrapServers, cdcTopic(name))) {
            await(name + ": its change stream to offset " + end)
                    .atMost(Duration.ofMinutes(2))
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> capture.poll().records().stream()
                                    .mapToLong(r -> r.offset() + 1)
                                    .max()
                                    .orElse(0)
                            >= end);
            capture.writeGolden(input);
        }
        return ExactlyOnceCheck.transformReference(input);
    }

    /** The workload's last write in each database is its sentinel variable: once its event is out, all are. */
    private static void awaitSentinels(String bootstrapServers, String eventsTopic) {
        String sentinel = "prefect.variable." + ReliabilityWorkload.SENTINEL;
        try (CommittedRecords reader =
                new CommittedRecords(bootstrapServers, eventsTopic, Map.of("max.partition.fetch.bytes", 8 << 20))) {
            Set<String> out = new HashSet<>();
            await("the sentinel event of every source")
                    .atMost(Duration.ofMinutes(5))
                    .pollInSameThread()
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        for (Received event : reader.poll(Duration.ofMillis(200))) {
                            if (sentinel.equals(event.key())) {
                                out.add(event.header(TopologySettings.SOURCE_HEADER));
                            }
                        }
                        return out.containsAll(NAMES);
                    });
        }
    }

    private void awaitSplit(Instance a, Instance b, String when) {
        await(when + ": the four tasks split 2/2 over the two instances")
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    List<String> onA = a.activeSources();
                    List<String> onB = b.activeSources();
                    Set<String> all = new HashSet<>(onA);
                    all.addAll(onB);
                    return onA.size() == 2 && onB.size() == 2 && all.containsAll(NAMES);
                });
    }

    private static String prefix(String name) {
        return "prefect-" + name;
    }

    private static String cdcTopic(String name) {
        return TopologySettings.cdcTopicOf(prefix(name));
    }

    private void figure(String name, Object value) {
        figures.put(name, String.valueOf(value));
    }

    private void report() {
        List<String> lines = new ArrayList<>();
        figures.forEach((name, value) -> lines.add(String.format(Locale.ROOT, "SourcesIT %-58s %s", name, value)));
        lines.forEach(System.out::println);
        try {
            Path file = ProjectPaths.root().resolve("streams-app/target/reliability/SourcesIT.txt");
            Files.createDirectories(file.getParent());
            Files.write(file, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.out.println("SourcesIT: could not write the figures: " + e);
        }
    }

    /** One instance of {@code run}: its own JVM, state directory and HTTP port, all four sources, one standby. */
    private static final class Instance {
        final AppProcess process;
        final int port;

        Instance(String name, String bootstrapServers, String sources) throws IOException {
            port = FreePorts.next();
            Path stateDir = Files.createTempDirectory(name.toLowerCase(Locale.ROOT) + "-state-");
            process = new AppProcess(
                    name,
                    bootstrapServers,
                    APPLICATION_ID,
                    stateDir,
                    Map.of(
                            "PREFECT_CDC_SOURCES",
                            sources,
                            "PREFECT_CDC_STANDBY_REPLICAS",
                            "1",
                            "PREFECT_CDC_HTTP_PORT",
                            Integer.toString(port),
                            // Kafka Streams' own exactly-once default instead of the app's 5 min (large transactions):
                            // the
                            // changelogs of a killed instance's tasks cannot be restored past its open Kafka
                            // transaction
                            // until the broker aborts it, so this bounds how long the other instance waits to take them
                            // (docs/operations.md, Many Prefect servers)
                            "KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS",
                            TRANSACTION_TIMEOUT_MS));
        }

        /** The sources of the active tasks {@code /health/ready} reports; none while it is not ready. */
        List<String> activeSources() {
            if (!process.isAlive()) {
                return List.of();
            }
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return List.of();
                }
                List<String> active = new ArrayList<>();
                for (JsonNode task : JSON.readTree(response.body()).path("tasks")) {
                    if (task.path("role").asText().equals("active")) {
                        active.add(task.path("source").asText());
                    }
                }
                return active;
            } catch (IOException e) {
                return List.of(); // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    /** Samples the group's committed offsets on the four change streams, noting any that goes back. */
    private static final class OffsetWatch implements Runnable {
        private final Admin admin;
        private final Map<TopicPartition, Long> last = new ConcurrentHashMap<>();
        private final List<String> regressions = new CopyOnWriteArrayList<>();
        private volatile boolean stopped;

        OffsetWatch(Admin admin) {
            this.admin = admin;
        }

        @Override
        public void run() {
            while (!stopped) {
                try {
                    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(APPLICATION_ID)
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS);
                    committed.forEach((partition, offset) -> {
                        if (offset == null) {
                            return;
                        }
                        Long before = last.put(partition, offset.offset());
                        if (before != null && offset.offset() < before) {
                            regressions.add(partition + ": " + before + " -> " + offset.offset());
                        }
                    });
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // the broker is busy: sample again
                }
            }
        }

        long committedSum() {
            return last.values().stream().mapToLong(Long::longValue).sum();
        }

        List<String> regressions() {
            return List.copyOf(regressions);
        }

        void stop() {
            stopped = true;
        }
    }
}
