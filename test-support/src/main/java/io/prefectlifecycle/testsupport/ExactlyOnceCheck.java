package io.prefectlifecycle.testsupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.topology.TopologySettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The events a {@code read_committed} consumer reads against what a {@link ChangeWorkload} wrote: as many events as
 * the workload's transactions imply, each id once, each resource with exactly its actions in order, no dead letter.
 */
public final class ExactlyOnceCheck {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The figures the reliability docs report. */
    public record Figures(long expected, long read, long distinctIds, long duplicates, long missing, long unexpected,
            long deadLetters) {
        @Override
        public String toString() {
            return "events expected " + expected + ", read (read_committed) " + read + ", distinct ids " + distinctIds
                    + ", duplicates " + duplicates + ", missing " + missing + ", unexpected " + unexpected
                    + ", dead letters " + deadLetters;
        }
    }

    private ExactlyOnceCheck() {
    }

    /**
     * Waits until the app's consumer group has committed every CDC partition to its current end (the records Debezium
     * wrote, redeliveries included, have all been processed; with exactly-once their output is committed with them).
     */
    public static void awaitAppCaughtUp(Admin admin, TopologySettings settings, List<String> cdcTopics, Duration timeout) {
        List<String> read = List.of(settings.cdcTopic());
        await("the app has consumed the CDC topics to their end").atMost(timeout).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String group = admin.listGroups().all().get().stream().map(GroupListing::groupId)
                            .filter(g -> g.startsWith("prefect-lifecycle-it-")).findFirst().orElse(null);
                    if (group == null) {
                        return false;
                    }
                    Map<TopicPartition, OffsetAndMetadata> committed =
                            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                    admin.describeTopics(read).allTopicNames().get().forEach((topic, description) ->
                            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()),
                                    OffsetSpec.latest())));
                    var ends = admin.listOffsets(latest).all().get();
                    return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                            || (committed.get(e.getKey()) != null
                                    && committed.get(e.getKey()).offset() >= e.getValue().offset()));
                });
    }

    /** Asserts the events are exactly the workload's; returns the figures (also when they are right). */
    public static Figures verify(List<Received> events, List<Received> deadLetters, ChangeWorkload workload) {
        Map<String, List<String>> actual = new TreeMap<>();
        Set<String> ids = new HashSet<>();
        for (Received event : events) {
            JsonNode json = parse(event.value());
            ids.add(json.path("id").asText());
            String type = json.path("event").asText();
            actual.computeIfAbsent(json.path("resource").path("prefect.resource.id").asText(), r -> new ArrayList<>())
                    .add(type.substring(type.lastIndexOf('.') + 1));
        }
        Map<String, List<String>> expected = new TreeMap<>(workload.expectedActions());
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
        Figures figures = new Figures(workload.expectedEvents(), events.size(), ids.size(), events.size() - ids.size(),
                missing, unexpected, deadLetters.size());
        System.out.println("ExactlyOnceCheck " + figures);
        assertEquals(List.of(), deadLetters.stream().map(d -> d.header("dlq.reason") + ": " + d.value()).limit(5)
                .toList(), "dead letters");
        assertEquals(workload.expectedEvents(), events.size(), "events read: " + figures);
        assertEquals(events.size(), ids.size(), "every event id once: " + figures);
        Map<String, List<String>> differing = expected.entrySet().stream()
                .filter(e -> !e.getValue().equals(actual.get(e.getKey())))
                .limit(5).collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertEquals(Map.of(), differing.keySet().stream().collect(Collectors.toMap(k -> k, k -> "expected "
                + expected.get(k) + ", got " + actual.get(k))), "resources whose events differ from the writes");
        assertEquals(expected, actual, "each resource's actions, in order");
        return figures;
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
