package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.cli.TransformCommand;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Events as the app writes them, for tests of what reads the events topic ({@code tail}, {@code forward},
 * {@code parity}): the golden captures through {@code transform}, and each as the record the topology writes (key =
 * resource id, headers {@code prefect.event} and {@code prefect.resource.id}).
 */
public final class GoldenEventsTopic {

    private GoldenEventsTopic() {}

    /** The 42 events of the real Debezium capture (golden/captured/debezium-3.6-full-scenario), in order. */
    public static List<String> captured() throws Exception {
        return transform(CdcCapture.FULL_SCENARIO);
    }

    /** The events of golden cases' inputs ({@code <kind>/<case>}), in order. */
    public static List<String> ofGoldenCases(String... cases) throws Exception {
        List<String> all = new ArrayList<>();
        for (String golden : cases) {
            all.addAll(transform(ProjectPaths.goldenCases().resolve(golden).resolve("input.jsonl")));
        }
        return all;
    }

    private static List<String> transform(java.nio.file.Path input) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TransformCommand()
                .transform(
                        new ByteArrayInputStream(Files.readAllBytes(input)),
                        out,
                        OutputStream.nullOutputStream(),
                        Map.of());
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** The record the topology writes for the event. */
    public static ProducerRecord<byte[], byte[]> record(String topic, String event) {
        String resourceId = resourceId(event);
        RecordHeaders headers = new RecordHeaders();
        headers.add("prefect.event", field(event, "event").getBytes(StandardCharsets.UTF_8));
        headers.add("prefect.resource.id", resourceId.getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(
                topic,
                null,
                resourceId.getBytes(StandardCharsets.UTF_8),
                event.getBytes(StandardCharsets.UTF_8),
                headers);
    }

    public static String resourceId(String event) {
        return event.replaceFirst("^.*?\"prefect.resource.id\":\"([^\"]+)\".*$", "$1");
    }

    /** The event's id: its last field but {@code follows}. */
    public static String id(String event) {
        return event.replaceFirst("^.*\"id\":\"([^\"]+)\",\"follows\".*$", "$1");
    }

    public static String field(String event, String name) {
        return event.replaceFirst("^.*?\"" + name + "\":\"([^\"]+)\".*$", "$1");
    }
}
