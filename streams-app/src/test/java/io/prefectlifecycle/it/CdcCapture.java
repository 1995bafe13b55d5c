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
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every record of the CDC topics ({@code prefect.public.*}, {@code prefect.transaction}) as
 * text, keeping the exact bytes Debezium's JsonConverter wrote, and writes them as golden JSON lines.
 */
final class CdcCapture implements AutoCloseable {
    static final String TRANSACTION_TOPIC = "prefect.transaction";
    static final String TOMBSTONE = "tombstone";
    private static final ObjectMapper JSON = new ObjectMapper();

    record Captured(String topic, int partition, long offset, String key, String value, JsonNode keyJson, JsonNode valueJson) {
        boolean isTombstone() {
            return value == null;
        }

        String table() {
            return topic.substring(topic.lastIndexOf('.') + 1);
        }

        /** The fixture line: {@code {"topic":..,"key":<raw json>,"value":<raw json or null>}}. */
        String goldenLine() {
            return "{\"topic\":" + JSON.valueToTree(topic) + ",\"key\":" + key + ",\"value\":" + value + "}";
        }
    }

    private final KafkaConsumer<String, String> consumer;
    private final List<Captured> records = new ArrayList<>();

    CdcCapture(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, "debezium-capture-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, "500"),
                new StringDeserializer(), new StringDeserializer());
        consumer.subscribe(Pattern.compile("prefect\\.(public\\..+|transaction)"));
    }

    /** One poll; call from a single thread (Awaitility's {@code pollInSameThread}). */
    CdcCapture poll() {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            records.add(new Captured(r.topic(), r.partition(), r.offset(), r.key(), r.value(), parse(r.key()), parse(r.value())));
        }
        return this;
    }

    List<Captured> records() {
        return List.copyOf(records);
    }

    List<Captured> changes() {
        return records.stream().filter(r -> !r.topic().equals(TRANSACTION_TOPIC)).toList();
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

    /**
     * Writes the records in Debezium's emission order, which Kafka keeps only per topic: changes by
     * source LSN (snapshot reads share one, so then by envelope ts_ns), each tombstone right after its
     * delete, each BEGIN right before its transaction's first change and each END right after its last.
     */
    void writeGolden(Path file) {
        Map<Captured, long[]> order = new IdentityHashMap<>();
        Map<String, long[]> firstOfTx = new HashMap<>();
        Map<String, long[]> lastOfTx = new HashMap<>();
        Map<String, long[]> lastInTopic = new HashMap<>();
        records.stream().filter(r -> !r.topic().equals(TRANSACTION_TOPIC))
                .sorted(Comparator.comparing(Captured::topic).thenComparingLong(Captured::offset))
                .forEach(r -> {
                    long[] key = r.isTombstone()
                            ? withPhase(lastInTopic.get(r.topic()), 2)
                            : new long[] {source(r).path("lsn").asLong(), r.valueJson().path("ts_ns").asLong(), 1};
                    order.put(r, key);
                    lastInTopic.put(r.topic(), key);
                    String tx = r.isTombstone() ? "" : transactionOf(r);
                    if (!tx.isEmpty()) {
                        firstOfTx.merge(tx, key, (a, b) -> compare(a, b) <= 0 ? a : b);
                        lastOfTx.merge(tx, key, (a, b) -> compare(a, b) >= 0 ? a : b);
                    }
                });
        for (Captured r : records) {
            if (r.topic().equals(TRANSACTION_TOPIC)) {
                String tx = txId(r.valueJson().path("id").asText());
                boolean begin = "BEGIN".equals(r.valueJson().path("status").asText());
                long[] anchor = (begin ? firstOfTx : lastOfTx).get(tx);
                order.put(r, anchor != null ? withPhase(anchor, begin ? 0 : 3) : new long[] {lsnOf(r.valueJson().path("id").asText()), 0, begin ? 0 : 3});
            }
        }
        List<Captured> sorted = new ArrayList<>(records);
        sorted.sort((a, b) -> {
            int c = compare(order.get(a), order.get(b));
            return c != 0 ? c : Comparator.comparing(Captured::topic).thenComparingLong(Captured::offset).compare(a, b);
        });
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, sorted.stream().map(Captured::goldenLine).toList(), StandardCharsets.UTF_8);
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

    private static long lsnOf(String transactionId) {
        String lsn = transactionId.substring(transactionId.indexOf(':') + 1);
        return lsn.matches("\\d+") ? Long.parseLong(lsn) : 0;
    }

    private static long[] withPhase(long[] key, long phase) {
        return new long[] {key[0], key[1], phase};
    }

    private static int compare(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            int c = Long.compare(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static JsonNode parse(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
