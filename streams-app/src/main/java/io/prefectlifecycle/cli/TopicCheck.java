package io.prefectlifecycle.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a record's topic is one its source block could have been written to: the connector's change stream
 * ({@code <name>.cdc}) or, in the older layout, its table's topic ({@code <name>.<schema>.<table>}). The pipeline reads
 * the table from {@code source}, so a dump put together from the wrong topics still transforms; a mismatch is worth a
 * line, once per topic and source.
 */
final class TopicCheck {

    private final Set<String> reported = new HashSet<>();

    /** The mismatch, the first time this topic carries a change of this source; empty for anything else. */
    Optional<String> mismatch(String topic, byte[] value) {
        Optional<Source> source = Source.of(value);
        if (topic == null
                || source.isEmpty()
                || source.get().writesTo(topic)
                || !reported.add(topic + " " + source.get())) {
            return Optional.empty();
        }
        Source s = source.get();
        return Optional.of("topic " + topic + " holds a change of " + s + ", which Debezium writes to "
                + s.connector() + ".cdc: read as table " + s.schema() + "." + s.table() + " of connector "
                + s.connector() + " (reported once for this topic and table)");
    }

    private record Source(String connector, String schema, String table) {

        /** The source block of a JSON change record, with or without the JsonConverter's schema envelope. */
        static Optional<Source> of(byte[] value) {
            if (value == null || value.length == 0 || value[0] != '{') {
                return Optional.empty();
            }
            JsonNode root;
            try {
                root = Json.MAPPER.readTree(value);
            } catch (IOException e) {
                return Optional.empty(); // not JSON: the pipeline dead-letters it with the reason
            }
            JsonNode change = root.has("schema") && root.has("payload") ? root.get("payload") : root;
            if (change.path("op").asText().equals("m")) {
                return Optional.empty(); // a logical decoding message: Debezium's <name>.message, no table's
            }
            JsonNode source = change.path("source");
            String connector = source.path("name").asText("");
            String table = source.path("table").asText("");
            if (connector.isEmpty() || table.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Source(connector, source.path("schema").asText(""), table));
        }

        boolean writesTo(String topic) {
            return topic.equals(connector + ".cdc") || topic.equals(connector + "." + schema + "." + table);
        }

        @Override
        public String toString() {
            return "connector " + connector + " table " + schema + "." + table;
        }
    }
}
