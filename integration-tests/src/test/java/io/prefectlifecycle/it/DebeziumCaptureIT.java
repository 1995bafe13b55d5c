package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.CdcCapture.Captured;
import io.prefectlifecycle.testsupport.PrefectScenario;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static io.prefectlifecycle.testsupport.CdcCapture.TOMBSTONE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real PostgreSQL, Kafka and Connect with Debezium, registered from connect-config/: runs Prefect's
 * writes for every captured table and action ({@link PrefectScenario}) and checks what Debezium
 * emits. With {@code -Dgolden.capture=true} it also (re)writes the captured records, in emission
 * order, to {@code src/test/resources/golden/captured/debezium-3.6-full-scenario/input.jsonl}: the real inputs the
 * golden cases are cut from.
 */
class DebeziumCaptureIT {
    private static final String PLACEHOLDER = "__debezium_unavailable_value";
    private static final String HEARTBEAT_TABLE = "prefect_cdc_heartbeat";
    private static final Map<String, Map<String, Integer>> EXPECTED = new TreeMap<>(Map.ofEntries(
            Map.entry("variable", ops("r", 1, "c", 8, "u", 2, "d", 2, TOMBSTONE, 2)),
            Map.entry("flow", ops("r", 1, "c", 2, "u", 1, "d", 1, TOMBSTONE, 1)),
            Map.entry("block_type", ops("c", 2, "u", 1, "d", 1, TOMBSTONE, 1)),
            Map.entry("block_schema", ops("c", 3, "d", 1, TOMBSTONE, 1)),
            Map.entry("block_document", ops("c", 5, "u", 3, "d", 3, TOMBSTONE, 3)),
            Map.entry("configuration", ops("c", 1)),
            Map.entry("concurrency_limit_v2", ops("c", 3, "u", 5, "d", 2, TOMBSTONE, 2)),
            Map.entry("concurrency_limit", ops("c", 1, "u", 2, "d", 1, TOMBSTONE, 1)),
            Map.entry("artifact_collection", ops("c", 2, "u", 2, "d", 1, TOMBSTONE, 1)),
            Map.entry("automation", ops("c", 1, "u", 1, "d", 1, TOMBSTONE, 1)),
            Map.entry("alembic_version", ops("r", 1))));

    @Test
    void capturesEveryPrefectWrite() throws Exception {
        Map<String, Duration> timings = new LinkedHashMap<>();
        long t = System.nanoTime();
        try (LocalStack stack = LocalStack.start();
                Connection db = stack.postgres().connect();
                CdcCapture capture = new CdcCapture(stack.bootstrapServers())) {
            t = lap(timings, "stack start (PG || Kafka, then Connect)", t);

            PrefectScenario prefect = new PrefectScenario(db);
            prefect.seedBeforeCapture();
            stack.registerConnector();
            t = lap(timings, "connector RUNNING", t);
            await("snapshot")
                    .atMost(Duration.ofSeconds(30))
                    .pollInSameThread()
                    .until(() -> capture.poll().changes().stream()
                                    .filter(r -> !r.isTombstone())
                                    .filter(r ->
                                            r.valueJson().path("op").asText().equals("r"))
                                    .count()
                            == 3);
            t = lap(timings, "snapshot of 3 rows consumed", t);

            prefect.firstEightKinds();
            t = lap(timings, "Prefect writes", t);

            await("all changes and their transaction ENDs")
                    .atMost(Duration.ofSeconds(60))
                    .pollInSameThread()
                    .untilAsserted(() -> {
                        capture.poll();
                        assertEquals(EXPECTED, withoutHeartbeats(capture.opsByTable()));
                        assertEquals(Set.of(), unfinishedTransactions(capture));
                    });
            t = lap(timings, "capture complete", t);

            checkDebeziumShapes(capture);
            checkTransactions(capture);
            checkCommitOrder(capture);
            if (Boolean.getBoolean("golden.capture")) {
                Path golden = goldenFile();
                capture.writeGolden(golden);
                System.out.printf(
                        "golden capture: %d records -> %s%n", capture.records().size(), golden);
            }

            stack.connect().close();
            stack.postgres().dropReplicationSlots();
            assertEquals(List.of(), stack.postgres().replicationSlots());
            t = lap(timings, "Connect stopped, slot dropped", t);
        }
        lap(timings, "stack closed", t);
        timings.forEach((phase, d) -> System.out.printf("DebeziumCaptureIT %-42s %6d ms%n", phase, d.toMillis()));
    }

    /** The envelope facts the transformation relies on, checked on real records. */
    private static void checkDebeziumShapes(CdcCapture capture) {
        for (Captured r : capture.changes()) {
            if (r.isTombstone()) {
                continue;
            }
            JsonNode value = r.valueJson();
            String op = value.path("op").asText();
            assertEquals(
                    r.keyJson().path("id"),
                    (op.equals("d") ? value.path("before") : value.path("after")).path("id"),
                    "key = row id: " + r.goldenLine());
            if (op.equals("u")) {
                assertTrue(
                        value.path("before").isNull(),
                        "REPLICA IDENTITY DEFAULT: no update before-image: " + r.goldenLine());
            }
            if (op.equals("d")) {
                assertTrue(value.path("after").isNull(), r.goldenLine());
            }
        }
        assertEquals(
                PLACEHOLDER,
                updateOf(capture, "variable", PrefectScenario.VARIABLE_BIG)
                        .path("after")
                        .path("value")
                        .asText());
        assertEquals(
                PLACEHOLDER,
                updateOf(capture, "block_document", PrefectScenario.DOC_BIG)
                        .path("after")
                        .path("data")
                        .asText());
    }

    /** Every live change sits in a BEGIN/END pair (matched by txId) whose END counts it, per table. */
    private static void checkTransactions(CdcCapture capture) {
        Map<String, List<Captured>> byTx = capture.changes().stream()
                .filter(r -> !r.isTombstone())
                .filter(r -> r.valueJson().path("transaction").isObject())
                .collect(Collectors.groupingBy(CdcCapture::transactionOf));
        Map<String, JsonNode> ends = new HashMap<>();
        capture.records().stream()
                .filter(r -> r.isTransactionMarker())
                .filter(r -> r.valueJson().path("status").asText().equals("END"))
                .forEach(r -> ends.put(CdcCapture.txId(r.valueJson().path("id").asText()), r.valueJson()));
        byTx.forEach((tx, changes) -> {
            JsonNode end = ends.get(tx);
            assertNotNull(end, "END of " + tx);
            assertEquals(changes.size(), end.path("event_count").asInt(), "event_count of " + tx);
            Map<String, Integer> perTable = new TreeMap<>();
            changes.forEach(c -> perTable.merge("public." + c.table(), 1, Integer::sum));
            Map<String, Integer> declared = new TreeMap<>();
            end.path("data_collections")
                    .forEach(dc -> declared.put(
                            dc.path("data_collection").asText(),
                            dc.path("event_count").asInt()));
            assertEquals(perTable, declared, "data_collections of " + tx);
        });
        assertEquals(
                Set.of("configuration", "block_document"),
                tablesOfTransactionWith(byTx, "configuration"),
                "the first encryption writes the key and the document in one transaction");
        assertEquals(
                Set.of("block_type", "block_schema", "block_document"),
                tablesOfTransactionWithDeleteOf(byTx, "block_type"),
                "a block type delete cascades to its schemas and documents in one transaction");
    }

    /**
     * The change stream is the WAL's commit order: each transaction whole, BEGIN, its changes in
     * {@code total_order} (each delete followed by its tombstone), END, and the transactions in the order of their
     * commit LSNs (END's id). This is what lets the app end a transaction at its END without waiting for anything.
     */
    private static void checkCommitOrder(CdcCapture capture) {
        String open = null;
        long expectedOrder = 0;
        long lastCommit = -1;
        int transactions = 0;
        for (Captured r : capture.records()) {
            if (r.isTransactionMarker()) {
                String tx = CdcCapture.txId(r.valueJson().path("id").asText());
                if (r.valueJson().path("status").asText().equals("BEGIN")) {
                    assertEquals(null, open, "BEGIN of " + tx + " inside transaction " + open);
                    open = tx;
                    expectedOrder = 1;
                } else {
                    assertEquals(open, tx, "END of " + tx + " closes the open transaction");
                    long commit =
                            Long.parseLong(r.valueJson().path("id").asText().split(":")[1]);
                    assertTrue(commit > lastCommit, "commit LSNs increase: " + commit + " after " + lastCommit);
                    lastCommit = commit;
                    open = null;
                    transactions++;
                }
            } else if (!r.isTombstone() && r.valueJson().path("transaction").isObject()) {
                assertEquals(
                        open, CdcCapture.transactionOf(r), "a change inside its own transaction: " + r.goldenLine());
                assertEquals(
                        expectedOrder++,
                        r.valueJson().path("transaction").path("total_order").asLong(),
                        "changes in total_order: " + r.goldenLine());
            }
        }
        assertEquals(null, open, "every transaction ended");
        assertTrue(transactions > 20, transactions + " transactions");
    }

    private static Set<String> unfinishedTransactions(CdcCapture capture) {
        Set<String> ended = capture.records().stream()
                .filter(r -> r.isTransactionMarker())
                .filter(r -> r.valueJson().path("status").asText().equals("END"))
                .map(r -> CdcCapture.txId(r.valueJson().path("id").asText()))
                .collect(Collectors.toSet());
        return capture.changes().stream()
                .filter(r -> !r.isTombstone())
                .map(CdcCapture::transactionOf)
                .filter(tx -> !tx.isEmpty() && !ended.contains(tx))
                .collect(Collectors.toSet());
    }

    private static Set<String> tablesOfTransactionWith(Map<String, List<Captured>> byTx, String table) {
        return byTx.values().stream()
                .filter(cs -> cs.stream().anyMatch(c -> c.table().equals(table)))
                .findFirst()
                .orElseThrow()
                .stream()
                .map(Captured::table)
                .collect(Collectors.toSet());
    }

    private static Set<String> tablesOfTransactionWithDeleteOf(Map<String, List<Captured>> byTx, String table) {
        return byTx.values().stream()
                .filter(cs -> cs.stream()
                        .anyMatch(c -> c.table().equals(table)
                                && c.valueJson().path("op").asText().equals("d")))
                .findFirst()
                .orElseThrow()
                .stream()
                .map(Captured::table)
                .collect(Collectors.toSet());
    }

    private static JsonNode updateOf(CdcCapture capture, String table, String id) {
        return capture.changes().stream()
                .filter(r -> !r.isTombstone() && r.table().equals(table))
                .filter(r -> r.valueJson().path("op").asText().equals("u")
                        && r.keyJson().path("id").asText().equals(id))
                .findFirst()
                .orElseThrow()
                .valueJson();
    }

    private static Map<String, Map<String, Integer>> withoutHeartbeats(Map<String, Map<String, Integer>> ops) {
        Map<String, Map<String, Integer>> copy = new TreeMap<>(ops);
        copy.remove(HEARTBEAT_TABLE);
        return copy;
    }

    private static Path goldenFile() {
        return CdcCapture.FULL_SCENARIO;
    }

    private static Map<String, Integer> ops(Object... opCounts) {
        Map<String, Integer> ops = new TreeMap<>();
        for (int i = 0; i < opCounts.length; i += 2) {
            ops.put((String) opCounts[i], (Integer) opCounts[i + 1]);
        }
        return ops;
    }

    private static long lap(Map<String, Duration> timings, String phase, long since) {
        long now = System.nanoTime();
        timings.put(phase, Duration.ofNanos(now - since));
        return now;
    }
}
