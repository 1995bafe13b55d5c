package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.cli.TransformCommand;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one check that every expected event came out exactly once (none lost, none duplicated, none unexpected) and
 * nothing was dead-lettered, against either of two references:
 * <ul>
 *   <li>{@link #verify}: the {@link ExpectedEvents} a workload worked out from its writes, per resource id (as many
 *       events as its transactions imply, each id once, each resource with exactly its actions in order);</li>
 *   <li>{@link #compare} and {@link #assertExactlyOnce}: the events {@code transform} gives over the same CDC records
 *       ({@link #transformReference}), by id and byte for byte.</li>
 * </ul>
 */
public final class ExactlyOnceCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The figures the reliability docs report. */
    public record Figures(
            long expected,
            long read,
            long distinctIds,
            long duplicates,
            long missing,
            long unexpected,
            long deadLetters) {
        @Override
        public String toString() {
            return "events expected " + expected + ", read (read_committed) " + read + ", distinct ids " + distinctIds
                    + ", duplicates " + duplicates + ", missing " + missing + ", unexpected " + unexpected
                    + ", dead letters " + deadLetters;
        }
    }

    private ExactlyOnceCheck() {}

    /**
     * Waits until the app's consumer group has committed every CDC partition to its current end (the records Debezium
     * wrote, redeliveries included, have all been processed; with exactly-once their output is committed with them).
     */
    public static void awaitAppCaughtUp(
            Admin admin, TopologySettings settings, List<String> cdcTopics, Duration timeout) {
        List<String> read = List.of(settings.cdcTopic());
        await("the app has consumed the CDC topics to their end")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(admin, "prefect-lifecycle-it-");
                    if (committed == null) {
                        return false;
                    }
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    admin.describeTopics(read)
                            .allTopicNames()
                            .get()
                            .forEach((topic, description) -> description
                                    .partitions()
                                    .forEach(p ->
                                            latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
                    var ends = admin.listOffsets(latest).all().get();
                    return ends.entrySet().stream()
                            .allMatch(e -> e.getValue().offset() == 0
                                    || (committed.get(e.getKey()) != null
                                            && committed.get(e.getKey()).offset()
                                                    >= e.getValue().offset()));
                });
    }

    /**
     * The input offsets committed by the first consumer group whose id starts with {@code groupPrefix} (an app's
     * application.id), or null while there is no such group yet.
     */
    public static Map<TopicPartition, OffsetAndMetadata> committedOffsets(Admin admin, String groupPrefix)
            throws Exception {
        String group = admin.listGroups().all().get().stream()
                .map(GroupListing::groupId)
                .filter(g -> g.startsWith(groupPrefix))
                .findFirst()
                .orElse(null);
        return group == null
                ? null
                : admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get();
    }

    /** Asserts the events are exactly the workload's; returns the figures (also when they are right). */
    public static Figures verify(List<Received> events, List<Received> deadLetters, ExpectedEvents workload) {
        Map<String, List<String>> actual = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        for (Received event : events) {
            JsonNode json = parse(event.value());
            ids.add(json.path("id").asText());
            String type = json.path("event").asText();
            actual.computeIfAbsent(
                            json.path("resource").path("prefect.resource.id").asText(), r -> new ArrayList<>())
                    .add(type.substring(type.lastIndexOf('.') + 1));
        }
        Map<String, List<String>> expected = new TreeMap<>(workload.actionsByResource());
        long missing = 0;
        long unexpected = 0;
        Set<String> resources = new HashSet<>(expected.keySet());
        resources.addAll(actual.keySet());
        for (String resource : resources) {
            int want = expected.getOrDefault(resource, List.of()).size();
            int got = actual.getOrDefault(resource, List.of()).size();
            missing += Math.max(0, want - got);
            unexpected += Math.max(0, got - want);
        }
        Figures figures = new Figures(
                workload.total(),
                events.size(),
                ids.size(),
                events.size() - ids.size(),
                missing,
                unexpected,
                deadLetters.size());
        System.out.println("ExactlyOnceCheck " + figures);
        assertEquals(
                List.of(),
                deadLetters.stream()
                        .map(d -> d.header("dlq.reason") + ": " + d.value())
                        .limit(5)
                        .toList(),
                "dead letters");
        assertEquals(workload.total(), events.size(), "events read: " + figures);
        assertEquals(events.size(), ids.size(), "every event id once: " + figures);
        Map<String, List<String>> differing = expected.entrySet().stream()
                .filter(e -> !e.getValue().equals(actual.get(e.getKey())))
                .limit(5)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(
                Map.of(),
                differing.keySet().stream()
                        .collect(Collectors.toMap(
                                k -> k, k -> "expected " + expected.get(k) + ", got " + actual.get(k))),
                "resources whose events differ from the writes");
        assertEquals(expected, actual, "each resource's actions, in order");
        return figures;
    }

    /**
     * Events read against a reference (event id → bytes): what is missing, unexpected, read twice or differs.
     *
     * @param events    the values read, in order
     * @param reference e.g. {@link #transformReference}
     */
    public record Comparison(
            int read,
            Map<String, Integer> seen,
            Map<String, String> readById,
            Map<String, String> reference,
            List<String> missing,
            List<String> unexpected,
            List<String> differing) {

        public long duplicates() {
            return read - seen.size();
        }

        /** The reference's events per event name. */
        public Map<String, Long> referenceByName() {
            Map<String, Long> counts = new TreeMap<>();
            reference.values().forEach(e -> counts.merge(field(e, "event"), 1L, Long::sum));
            return counts;
        }

        public boolean exactlyOnce() {
            return duplicates() + missing.size() + unexpected.size() + differing.size() == 0;
        }
    }

    public static Comparison compare(List<String> events, Map<String, String> reference) {
        Map<String, Integer> seen = new HashMap<>();
        Map<String, String> readById = new HashMap<>();
        for (String event : events) {
            String id = field(event, "id");
            seen.merge(id, 1, Integer::sum);
            readById.putIfAbsent(id, event);
        }
        List<String> missing = reference.keySet().stream()
                .filter(id -> !seen.containsKey(id))
                .sorted()
                .toList();
        List<String> unexpected = seen.keySet().stream()
                .filter(id -> !reference.containsKey(id))
                .sorted()
                .toList();
        List<String> differing = reference.entrySet().stream()
                .filter(e -> readById.containsKey(e.getKey())
                        && !readById.get(e.getKey()).equals(e.getValue()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        return new Comparison(events.size(), seen, readById, reference, missing, unexpected, differing);
    }

    /** Asserts none missing, none unexpected, none read twice, each with the reference's bytes (examples shown). */
    public static void assertExactlyOnce(Comparison c) {
        assertEquals(
                List.of(),
                first(c.missing(), 20).stream().map(c.reference()::get).toList(),
                c.missing().size() + " events of the reference missing (first 20 shown); ids not in the reference: "
                        + first(c.unexpected(), 20).stream()
                                .map(c.readById()::get)
                                .toList());
        assertEquals(
                List.of(),
                first(c.unexpected(), 20).stream().map(c.readById()::get).toList(),
                c.unexpected().size() + " events whose ids are not in the reference (first 20)");
        assertEquals(
                0,
                c.duplicates(),
                "records with an id read before: "
                        + c.seen().entrySet().stream()
                                .filter(e -> e.getValue() > 1)
                                .limit(20)
                                .toList());
        if (!c.differing().isEmpty()) {
            String id = c.differing().get(0);
            fail(c.differing().size() + " events differ from transform's bytes, e.g.\n  app:       "
                    + c.readById().get(id) + "\n  transform: " + c.reference().get(id));
        }
        assertEquals(c.reference().size(), c.read(), "events read");
    }

    /**
     * Event id → bytes of {@code transform} (the product's own pipeline, in this JVM) over captured CDC records
     * ({@link CdcCapture#writeGolden}); {@code transform} must dead-letter nothing and give each id once.
     */
    public static Map<String, String> transformReference(Path cdcRecords) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (InputStream in = Files.newInputStream(cdcRecords)) {
            assertEquals(
                    0, new TransformCommand().transform(in, out, err, Map.of()), err.toString(StandardCharsets.UTF_8));
        }
        List<String> deadLetters = err.toString(StandardCharsets.UTF_8)
                .lines()
                .filter(l -> l.startsWith("{"))
                .toList();
        assertEquals(List.of(), first(deadLetters, 5), "transform's dead letters");
        Map<String, String> byId = new LinkedHashMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            String previous = byId.put(field(line, "id"), line);
            if (previous != null) {
                fail("transform gave one id twice:\n  " + previous + "\n  " + line);
            }
        }
        return byId;
    }

    /** Dead letters as {@code <source topic>@<offset>: <reason>}, for an assertion message. */
    public static List<String> describe(List<Received> deadLetters) {
        return deadLetters.stream()
                .map(d -> d.header("dlq.source.topic") + "@" + d.header("dlq.source.offset") + ": "
                        + d.header("dlq.reason"))
                .toList();
    }

    /** A top-level text field of an event. */
    public static String field(String event, String name) {
        return parse(event).path(name).asText();
    }

    private static List<String> first(List<String> list, int n) {
        return list.subList(0, Math.min(n, list.size()));
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
