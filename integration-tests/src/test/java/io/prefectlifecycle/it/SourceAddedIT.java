package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppProcess;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.JarRun;
import io.prefectlifecycle.testsupport.KafkaBroker;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Adding a source to a running application keeps the existing tasks and their state, and reprocesses nothing: the
 * shipped jar ({@code run}, its own JVM, exactly-once v2) reads the first half of the real Debezium capture from the
 * sources {@code a} and {@code b}, stops, and starts again with {@code c} appended ({@code --sources a=…,b=…,c=…});
 * then the second halves arrive, whose updates and deletes need the rows of the first.
 * <ul>
 *   <li>{@code a} and {@code b} keep their task ids ({@code 0_0}, {@code 1_0}); {@code c} is {@code 2_0};</li>
 *   <li>{@code a}'s state is read from its state directory: not one record is restored from its changelogs;</li>
 *   <li>{@code b}'s task directory is deleted between the runs (a lost volume, or a task whose id moved because a
 *       source before it was removed): its state is restored from its changelogs, and that is all that happens;</li>
 *   <li>the group's committed offsets of {@code a} and {@code b} go on from where the first run left them;</li>
 *   <li>each source's events ({@code prefect.cdc.source} header, read_committed) are the whole capture's, each once,
 *       byte for byte as {@code transform} gives them; no dead letter.</li>
 * </ul>
 */
class SourceAddedIT {
    private static final Path CAPTURE =
            ProjectPaths.goldenCases().resolve("captured/debezium-3.6-full-scenario/input.jsonl");
    private static final String APPLICATION_ID = "source-added-it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    @TempDir
    Path work;

    @Test
    void anAppendedSourceLeavesTheOtherTasksTheirIdsStateAndOffsets() throws Exception {
        List<String> lines = Files.readAllLines(CAPTURE, StandardCharsets.UTF_8);
        int half = middleTransactionEnd(lines);
        List<String> first = lines.subList(0, half);
        List<String> second = lines.subList(half, lines.size());
        List<String> reference = ReplayIT.transform(lines);
        TopologySettings defaults = TopologySettings.defaults();
        kafka.createTopics(List.of(cdc("a"), cdc("b"), cdc("c"), defaults.eventsTopic(), defaults.deadLetterTopic()));

        JarRun.produce(kafka.bootstrapServers(), cdc("a"), records(first));
        JarRun.produce(kafka.bootstrapServers(), cdc("b"), records(first));
        Path stateDir = Files.createDirectory(work.resolve("state"));
        int port = FreePorts.next();
        AppProcess app = new AppProcess(
                "SourceAddedIT",
                kafka.bootstrapServers(),
                APPLICATION_ID,
                stateDir,
                Map.of("PREFECT_CDC_SOURCES", "a=src-a,b=src-b", "PREFECT_CDC_HTTP_PORT", Integer.toString(port)));
        Map<String, Long> afterFirst;
        try (Admin admin = kafka.admin()) {
            app.start();
            awaitCommittedToEnd(admin, List.of("a", "b"));
            assertEquals(Map.of("0_0", "a", "1_0", "b"), tasks(port));
            afterFirst = committed(admin);
            app.stop();
            assertTrue(Files.isDirectory(taskDir(stateDir, "0_0").resolve("rocksdb/a-rows")), "a's store on disk");
            deleteRecursively(taskDir(stateDir, "1_0"));

            JarRun.produce(kafka.bootstrapServers(), cdc("c"), records(lines));
            app = new AppProcess(
                    "SourceAddedIT-appended",
                    kafka.bootstrapServers(),
                    APPLICATION_ID,
                    stateDir,
                    Map.of(
                            "PREFECT_CDC_SOURCES",
                            "a=src-a,b=src-b,c=src-c",
                            "PREFECT_CDC_HTTP_PORT",
                            Integer.toString(port)));
            app.start();
            assertEquals(Map.of("0_0", "a", "1_0", "b", "2_0", "c"), tasks(port), "a and b keep their task ids");
            Map<String, Long> atRestart = committed(admin);
            JarRun.produce(kafka.bootstrapServers(), cdc("a"), records(second));
            JarRun.produce(kafka.bootstrapServers(), cdc("b"), records(second));
            awaitCommittedToEnd(admin, List.of("a", "b", "c"));

            Map<String, Long> restored = restoredRecords(app);
            System.out.println("SourceAddedIT committed after the first run " + afterFirst + ", at the restart "
                    + atRestart + "; records restored from changelogs after it " + restored);
            assertEquals(afterFirst.get(cdc("a")), atRestart.get(cdc("a")), "a goes on from its committed offset");
            assertEquals(afterFirst.get(cdc("b")), atRestart.get(cdc("b")), "b goes on from its committed offset");
            assertEquals(
                    0L,
                    restored.getOrDefault("a-rows", 0L) + restored.getOrDefault("a-open-transaction", 0L),
                    "a's state comes from its state directory, none from its changelogs: " + restored);
            assertTrue(
                    restored.getOrDefault("b-rows", 0L) > 0,
                    "b's task directory was deleted: its rows come back from the changelog: " + restored);
            app.stop();
        } finally {
            app.stop();
        }

        List<Received> events;
        List<Received> deadLetters;
        try (CommittedRecords e = new CommittedRecords(kafka.bootstrapServers(), defaults.eventsTopic());
                CommittedRecords d = new CommittedRecords(kafka.bootstrapServers(), defaults.deadLetterTopic())) {
            events = e.readToEnd(Duration.ofSeconds(60));
            deadLetters = d.readToEnd(Duration.ofSeconds(30));
        }
        assertEquals(
                List.of(), deadLetters.stream().map(d -> d.header("dlq.reason")).toList(), "dead letters");
        Map<String, List<String>> bySource = events.stream()
                .collect(Collectors.groupingBy(
                        e -> e.header(TopologySettings.SOURCE_HEADER),
                        TreeMap::new,
                        Collectors.mapping(Received::value, Collectors.toList())));
        for (String source : List.of("a", "b", "c")) {
            assertEquals(
                    reference,
                    bySource.get(source),
                    source + ": the capture's events, each once, in order, as " + "transform gives them ("
                            + reference.size() + ")");
        }
        assertEquals(List.of("a", "b", "c"), List.copyOf(bySource.keySet()));
    }

    /** The index after the END record nearest the middle: the halves are whole transactions. */
    private static int middleTransactionEnd(List<String> lines) throws Exception {
        int best = -1;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode value = JSON.readTree(lines.get(i)).path("value");
            if ("END".equals(value.path("status").asText(null))
                    && (best < 0 || Math.abs(i + 1 - lines.size() / 2) < Math.abs(best - lines.size() / 2))) {
                best = i + 1;
            }
        }
        assertTrue(best > 0 && best < lines.size(), "the capture has transaction metadata");
        return best;
    }

    private static List<JarRun.In> records(List<String> lines) {
        return lines.stream()
                .map(line -> {
                    FixtureRecord r = FixtureRecord.parse(line);
                    return JarRun.in(r.key(), r.value());
                })
                .toList();
    }

    private static String cdc(String source) {
        return TopologySettings.cdcTopicOf("src-" + source);
    }

    private static Path taskDir(Path stateDir, String task) {
        return stateDir.resolve(APPLICATION_ID).resolve(task);
    }

    private static Map<String, Long> committed(Admin admin) throws Exception {
        Map<String, Long> offsets = new TreeMap<>();
        Map<TopicPartition, OffsetAndMetadata> group = admin.listConsumerGroupOffsets(APPLICATION_ID)
                .partitionsToOffsetAndMetadata()
                .get();
        group.forEach((tp, offset) -> {
            if (offset != null) {
                offsets.put(tp.topic(), offset.offset());
            }
        });
        return offsets;
    }

    private static void awaitCommittedToEnd(Admin admin, List<String> sources) {
        await("the app commits past every record of " + sources)
                .atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> {
                    Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                    sources.forEach(s -> latest.put(new TopicPartition(cdc(s), 0), OffsetSpec.latest()));
                    Map<String, Long> committed = committed(admin);
                    return admin.listOffsets(latest).all().get().entrySet().stream()
                            .allMatch(e -> committed.getOrDefault(e.getKey().topic(), -1L)
                                    >= e.getValue().offset());
                });
    }

    /** Task id -> source of the active tasks, from {@code /health/ready}. */
    private static Map<String, String> tasks(int port) throws Exception {
        Map<String, String> tasks = new TreeMap<>();
        await("the app is ready")
                .atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(200))
                .ignoreException(java.net.ConnectException.class)
                .until(() -> {
                    HttpResponse<String> response = HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 200) {
                        return false;
                    }
                    tasks.clear();
                    for (JsonNode task : JSON.readTree(response.body()).path("tasks")) {
                        if (task.path("role").asText().equals("active")) {
                            tasks.put(
                                    task.path("task").asText(),
                                    task.path("source").asText());
                        }
                    }
                    return true;
                });
        return tasks;
    }

    /** Store -> records restored from its changelog by the latest start, from the app's "restored state store" lines. */
    private static Map<String, Long> restoredRecords(AppProcess app) throws Exception {
        Map<String, Long> restored = new TreeMap<>();
        for (String line : app.latestLogLinesContaining("restored state store ")) {
            String rest = line.substring(line.indexOf("restored state store ") + "restored state store ".length());
            String store = rest.substring(0, rest.indexOf(' '));
            long records = Long.parseLong(rest.replaceFirst(".*: (\\d+) records.*", "$1"));
            restored.merge(store, records, Long::sum);
        }
        return restored;
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
