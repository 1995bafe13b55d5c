package io.prefectlifecycle.avro;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The schemas in {@code schemas/avro/} are the reviewed contract: every payload field the JSON events carry (all golden
 * {@code expected.jsonl}) is in the payload record of its kind. A new field fails here with a checklist until the
 * schemas are updated ({@code KindsCompletenessTest} checks that every kind has its payload record and every file
 * there is loaded).
 */
class EventSchemasTest {

    @Test
    void everyPayloadFieldOfTheJsonEventsIsInTheAvroSchemas() throws IOException {
        Map<String, Set<String>> missing = new TreeMap<>();
        for (GoldenEvents.Line line : GoldenEvents.lines()) {
            JsonNode event = Json.parse(line.json());
            String name = event.get("event").textValue();
            String kind = name.substring("prefect.".length(), name.lastIndexOf('.'));
            List<Schema> records = EventSchemas.payloads().stream()
                    .filter(p -> kind.equals(p.getProp(EventSchemas.KIND)))
                    .toList();
            if (records.isEmpty()) {
                missing.computeIfAbsent(kind, k -> new TreeSet<>())
                        .add("(no payload record with prefect.kind '" + kind + "')");
                continue;
            }
            Set<String> paths = new TreeSet<>();
            fieldPaths("", event.get("payload"), paths);
            for (String path : paths) {
                if (records.stream().noneMatch(r -> hasPath(r, path))) {
                    missing.computeIfAbsent(kind, k -> new TreeSet<>()).add(path);
                }
            }
        }
        if (!missing.isEmpty()) {
            StringBuilder checklist = new StringBuilder("payload fields of the JSON events missing from schemas/avro/ "
                    + "(add them, update docs/adr/0003-avro-events.md, keep the change BACKWARD compatible):\n");
            missing.forEach((kind, paths) -> paths.forEach(p -> checklist
                    .append("  [ ] ")
                    .append(kind)
                    .append(": ")
                    .append(p)
                    .append('\n')));
            fail(checklist.toString());
        }
    }

    /** Field paths of a payload: top-level keys, and the keys of nested objects that are not free-form. */
    private static void fieldPaths(String prefix, JsonNode object, Set<String> out) {
        object.properties().forEach(e -> {
            String path = prefix + e.getKey();
            out.add(path);
            if (e.getValue().isObject() && (path.equals("block_schema") || path.equals("block_schema.block_type"))) {
                fieldPaths(path + ".", e.getValue(), out);
            }
        });
    }

    private static boolean hasPath(Schema record, String path) {
        Schema current = record;
        for (String part : path.split("\\.")) {
            if (current.getType() != Schema.Type.RECORD || current.getField(part) == null) {
                return false;
            }
            current = current.getField(part).schema();
        }
        return true;
    }
}
