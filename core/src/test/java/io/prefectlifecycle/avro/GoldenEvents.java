package io.prefectlifecycle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.event.Label;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;
import io.prefectlifecycle.testdata.GoldenCases;
import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Every event line of every golden {@code expected.jsonl}, and the event it holds. */
final class GoldenEvents {

    record Line(Path file, String json) {
        @Override
        public String toString() {
            return ProjectPaths.goldenCases().relativize(file.getParent()) + ": "
                    + json.substring(0, Math.min(80, json.length()));
        }
    }

    private GoldenEvents() {}

    static List<Line> lines() {
        List<Line> lines = new ArrayList<>();
        try {
            for (Path caseDir : GoldenCases.cases().toList()) {
                Path expected = caseDir.resolve("expected.jsonl");
                if (Files.exists(expected)) {
                    for (String line : Files.readAllLines(expected, StandardCharsets.UTF_8)) {
                        if (!line.isBlank()) {
                            lines.add(new Line(expected, line));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return lines;
    }

    /** The event of a JSON event line, payload key order kept. */
    static LifecycleEvent parse(String json) {
        try {
            JsonNode node = Json.parse(json);
            List<RelatedResource> related = new ArrayList<>();
            for (JsonNode r : node.get("related")) {
                related.add(new RelatedResource(labels(r)));
            }
            return new LifecycleEvent(
                    Instant.parse(node.get("occurred").textValue()),
                    node.get("event").textValue(),
                    new Resource(labels(node.get("resource"))),
                    related,
                    node.get("payload"),
                    UUID.fromString(node.get("id").textValue()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Label> labels(JsonNode object) {
        List<Label> labels = new ArrayList<>();
        object.properties()
                .forEach(e -> labels.add(new Label(e.getKey(), e.getValue().textValue())));
        return labels;
    }
}
