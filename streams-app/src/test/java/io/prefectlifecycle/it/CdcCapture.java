package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import io.prefectlifecycle.local.ConnectorDefinition;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every record of the change stream ({@code prefect.cdc}: every captured table's changes and the BEGIN/END
 * records, in commit order) as text, keeping the exact bytes Debezium's JsonConverter wrote, and writes them as
 * golden JSON lines.
 */
final class CdcCapture implements AutoCloseable {
    static final String CDC_TOPIC = ConnectorDefinition.load().cdcTopic();
    static final String TOMBSTONE = "tombstone";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param table the change's table ({@code source.table}; for a tombstone, that of the delete before it);
     *              {@code null} for a BEGIN or END record
     */
    record Captured(String topic, int partition, long offset, String key, String value, JsonNode keyJson,
                    JsonNode valueJson, String table) {
        boolean isTombstone() {
            return value == null;
        }

        boolean isTransactionMarker() {
            return valueJson != null && valueJson.has("status") && !valueJson.has("op");
        }

        /** The fixture line: {@code {"topic":..,"key":<raw json>,"value":<raw json or null>}}. */
        String goldenLine() {
            return "{\"topic\":" + JSON.valueToTree(topic) + ",\"key\":" + key + ",\"value\":" + value + "}";
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final List<Captured> records = new ArrayList<>();
    private String lastTable;

    CdcCapture(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "debezium-capture-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500"),
                new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(List.of(CDC_TOPIC));
    }

    /** One poll; call from a single thread (Awaitility's {@code pollInSameThread}). */
    CdcCapture poll() {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            JsonNode value = parse(r.value());
            String table = value == null ? lastTable : value.path("source").path("table").asText(null);
            lastTable = table;
            records.add(new Captured(r.topic(), r.partition(), r.offset(), r.key(), r.value(), parse(r.key()), value,
                    table));
        }
        return this;
    }

    List<Captured> records() {
        return List.copyOf(records);
    }

    List<Captured> changes() {
        return records.stream().filter(r -> !r.isTransactionMarker()).toList();
    }

    /** table -> op ({@code r c u d}, or {@value #TOMBSTONE}) -> count. */
    Map<String, Map<String, Integer>> opsByTable() {
        Map<String, Map<String, Integer>> ops = new TreeMap<>();
        for (Captured r : changes()) {
            String op = r.isTombstone() ? TOMBSTONE : r.valueJson().path("op").asText();
            ops.computeIfAbsent(r.table(), t -> new TreeMap<>()).merge(op, 1, Integer::sum);
        }
        return ops;
    }

    /** Writes the records as read: the change stream is already in Debezium's emission order. */
    void writeGolden(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, records.stream().map(Captured::goldenLine).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Debezium 3.6's PostgreSQL transaction ids read {@code <txId>:<lsn>} with the LSN of the record
     * carrying it: a transaction's changes, its BEGIN and its END each show a different one. Only the
     * txId part identifies the transaction.
     */
    static String txId(String transactionId) {
        int colon = transactionId.indexOf(':');
        return colon < 0 ? transactionId : transactionId.substring(0, colon);
    }

    /** The txId of a change's {@code transaction} block, or "" for a snapshot read. */
    static String transactionOf(Captured change) {
        return txId(change.valueJson().path("transaction").path("id").asText(""));
    }

    static JsonNode source(Captured r) {
        return r.valueJson().path("source");
    }

    @Override
    public void close() {
        consumer.close();
    }

    private static JsonNode parse(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
