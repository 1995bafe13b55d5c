package io.prefectlifecycle.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Reads (with {@link CommittedRecords}) every record of the change stream ({@code prefect.cdc}: every captured table's changes and the BEGIN/END
 * records, in commit order) as text, keeping the exact bytes Debezium's JsonConverter wrote, and writes them as
 * golden JSON lines: as read, or by transaction ({@link #transactions()}) for cutting golden cases out of a run.
 */
public final class CdcCapture implements AutoCloseable {
    public static final String CDC_TOPIC = ConnectorDefinition.load().cdcTopic();
    public static final String TOMBSTONE = "tombstone";
    /** The real Debezium 3.6 capture of {@link PrefectScenario} (DebeziumCaptureIT writes it): what golden cases are cut from. */
    public static final Path FULL_SCENARIO =
            ProjectPaths.goldenCases().resolve("captured/debezium-3.6-full-scenario/input.jsonl");

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param table the change's table ({@code source.table}; for a tombstone, that of the delete before it);
     *              {@code null} for a BEGIN or END record
     */
    public record Captured(
            String topic,
            int partition,
            long offset,
            String key,
            String value,
            JsonNode keyJson,
            JsonNode valueJson,
            String table) {
        public boolean isTombstone() {
            return value == null;
        }

        public boolean isTransactionMarker() {
            return valueJson != null && valueJson.has("status") && !valueJson.has("op");
        }

        /** The fixture line: {@code {"topic":..,"key":<raw json>,"value":<raw json or null>}}. */
        public String goldenLine() {
            return "{\"topic\":" + JSON.valueToTree(topic) + ",\"key\":" + key + ",\"value\":" + value + "}";
        }
    }

    /**
     * A committed transaction as the WAL holds it: BEGIN, the changes by {@code transaction.total_order} (a delete
     * followed by its tombstone), END. The {@code txId} is the part of Debezium's transaction id before the colon.
     */
    public record Transaction(String txId, Captured begin, List<Captured> changes, Captured end) {
        public List<Captured> records() {
            List<Captured> all = new ArrayList<>(changes.size() + 2);
            all.add(begin);
            all.addAll(changes);
            all.add(end);
            return all;
        }

        /** The tables its changes touch. */
        public Set<String> tables() {
            return changes.stream()
                    .filter(c -> !c.isTombstone())
                    .map(Captured::table)
                    .collect(Collectors.toSet());
        }

        /** Whether any of its changes has a source LSN in {@code [from, to)}. */
        public boolean within(long from, long to) {
            return changes.stream()
                    .filter(c -> !c.isTombstone())
                    .mapToLong(c -> source(c).path("lsn").asLong())
                    .anyMatch(lsn -> lsn >= from && lsn < to);
        }
    }

    private final CommittedRecords reader;
    private final List<Captured> records = new ArrayList<>();
    private String lastTable;

    public CdcCapture(String bootstrapServers) {
        this(bootstrapServers, CDC_TOPIC);
    }

    /** The change stream {@code topic} (another connector's {@code <topic.prefix>.cdc}). */
    public CdcCapture(String bootstrapServers, String topic) {
        reader = new CommittedRecords(bootstrapServers, topic);
    }

    /** A capture of what is written from now on: records already in the change stream are skipped. */
    public static CdcCapture fromNow(String bootstrapServers) {
        CdcCapture capture = new CdcCapture(bootstrapServers);
        capture.reader.fromNow();
        return capture;
    }

    /** One poll; call from a single thread (Awaitility's {@code pollInSameThread}). */
    public CdcCapture poll() {
        for (CommittedRecords.Received r : reader.poll(Duration.ofMillis(200))) {
            JsonNode value = parse(r.value());
            String table = value == null
                    ? lastTable
                    : value.path("source").path("table").asText(null);
            lastTable = table;
            records.add(new Captured(
                    r.topic(), r.partition(), r.offset(), r.key(), r.value(), parse(r.key()), value, table));
        }
        return this;
    }

    public List<Captured> records() {
        return List.copyOf(records);
    }

    public List<Captured> changes() {
        return records.stream().filter(r -> !r.isTransactionMarker()).toList();
    }

    /** table -> op ({@code r c u d}, or {@value #TOMBSTONE}) -> count. */
    public Map<String, Map<String, Integer>> opsByTable() {
        Map<String, Map<String, Integer>> ops = new TreeMap<>();
        for (Captured r : changes()) {
            String op = r.isTombstone() ? TOMBSTONE : r.valueJson().path("op").asText();
            ops.computeIfAbsent(r.table(), t -> new TreeMap<>()).merge(op, 1, Integer::sum);
        }
        return ops;
    }

    /** Writes the records as read: the change stream is already in Debezium's emission order. */
    public void writeGolden(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, records.stream().map(Captured::goldenLine).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Snapshot reads ({@code op r}, outside any transaction), as Debezium emitted them. */
    public List<Captured> snapshotReads() {
        return records.stream()
                .filter(r -> !r.isTombstone()
                        && !r.isTransactionMarker()
                        && transactionOf(r).isEmpty())
                .toList();
    }

    /**
     * The transactions whose END has been read, in commit order (the order of the END records: Debezium streams the
     * WAL's transactions in commit order). A change Debezium sent twice (redelivery after a restart) is kept once.
     */
    public List<Transaction> transactions() {
        Map<String, Captured> begins = new HashMap<>();
        Map<String, Map<Long, Captured>> changes = new HashMap<>();
        Map<Captured, Captured> tombstoneOf = new IdentityHashMap<>();
        Captured previous = null;
        List<Transaction> transactions = new ArrayList<>();
        Set<String> ended = new HashSet<>();
        for (Captured r : records) {
            if (r.isTombstone()) {
                if (previous != null
                        && !previous.isTombstone()
                        && !previous.isTransactionMarker()
                        && "d".equals(previous.valueJson().path("op").asText())) {
                    tombstoneOf.put(previous, r);
                }
            } else if (r.isTransactionMarker()) {
                String tx = txId(r.valueJson().path("id").asText());
                if ("BEGIN".equals(r.valueJson().path("status").asText())) {
                    begins.putIfAbsent(tx, r);
                } else if (ended.add(tx) && begins.containsKey(tx)) {
                    List<Captured> txChanges = new ArrayList<>();
                    for (Captured change : changes.getOrDefault(tx, Map.of()).values()) {
                        txChanges.add(change);
                        if (tombstoneOf.containsKey(change)) {
                            txChanges.add(tombstoneOf.get(change));
                        }
                    }
                    transactions.add(new Transaction(tx, begins.get(tx), txChanges, r));
                }
            } else if (!transactionOf(r).isEmpty()) {
                changes.computeIfAbsent(transactionOf(r), tx -> new TreeMap<>())
                        .putIfAbsent(
                                r.valueJson()
                                        .path("transaction")
                                        .path("total_order")
                                        .asLong(),
                                r);
            }
            previous = r;
        }
        return transactions;
    }

    /** Writes {@code lines} in order as a golden input file. */
    public static void writeGolden(Path file, List<Captured> lines) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, lines.stream().map(Captured::goldenLine).toList(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Debezium 3.6's PostgreSQL transaction ids read {@code <txId>:<lsn>} with the LSN of the record
     * carrying it: a transaction's changes, its BEGIN and its END each show a different one. Only the
     * txId part identifies the transaction.
     */
    public static String txId(String transactionId) {
        int colon = transactionId.indexOf(':');
        return colon < 0 ? transactionId : transactionId.substring(0, colon);
    }

    /** The txId of a change's {@code transaction} block, or "" for a snapshot read. */
    public static String transactionOf(Captured change) {
        return txId(change.valueJson().path("transaction").path("id").asText(""));
    }

    public static JsonNode source(Captured r) {
        return r.valueJson().path("source");
    }

    @Override
    public void close() {
        reader.close();
    }

    private static JsonNode parse(String text) {
        try {
            return text == null ? null : JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }
}
