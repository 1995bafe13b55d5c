package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.event.LifecycleEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The order of the events of one transaction, without Kafka: the rows' first changes, except where a kind names rows
 * whose events come right before its own ({@code ObjectKind.eventsBefore}): a new work pool's default queue, a deleted
 * pool's queues by their priority before the transaction. Pulled rows come out once, each record keeps exactly one
 * outcome, and a transaction read back from state (too large for memory, or after a restart) is ordered alike.
 */
class TransactionOrderTest {

    private static final String POOL = "00000000-0000-4000-8000-00000000a001";
    private static final String OTHER_POOL = "00000000-0000-4000-8000-00000000a002";

    private final InMemoryRowStore rows = new InMemoryRowStore();
    private final InMemoryTransactionState transactions = new InMemoryTransactionState();
    private ChangeStream stream = newStream(rows, transactions);
    private long offset;

    @Test
    void aNewPoolsDefaultQueueComesBeforeThePoolAndTheNamedQueueAfter() {
        // POST /work_queues/ without default-agent-pool (spec W15): INSERT pool, INSERT default, UPDATE pool, INSERT
        // named
        List<Emission> out = transaction(
                100,
                c("work_pool", pool(POOL, "default-agent-pool", null)),
                c("work_queue", queue(q(1), "default", POOL, 1)),
                u("work_pool", pool(POOL, "default-agent-pool", q(1))),
                c("work_queue", queue(q(2), "legacy-queue", POOL, 2)));
        assertEquals(
                List.of(
                        "prefect.work-queue.created default",
                        "prefect.work-pool.created default-agent-pool",
                        "prefect.work-queue.created legacy-queue"),
                events(out));
        assertEveryRecordHasOneOutcome(out);
    }

    @Test
    void aDeletedPoolsQueuesComeFirstByTheirPriorityBeforeTheTransactionTiesInWalOrder() {
        createPoolWithQueues();
        // DELETE /work_pools/k8s (spec W14): the pool, then its queues by cascade in physical order
        List<Emission> out = transaction(
                102,
                d("work_pool", POOL),
                d("work_queue", q(1)),
                d("work_queue", q(2)),
                d("work_queue", q(3)),
                d("work_queue", q(4)));
        assertEquals(
                List.of(
                        "prefect.work-queue.deleted b",
                        "prefect.work-queue.deleted d",
                        "prefect.work-queue.deleted c",
                        "prefect.work-queue.deleted a",
                        "prefect.work-pool.deleted k8s"),
                events(out));
        assertEveryRecordHasOneOutcome(out);
    }

    @Test
    void rowsTheKindDoesNotNameKeepTheirPlace() {
        createPoolWithQueues();
        // a queue of another pool deleted in the same transaction, before and after the pool's group
        List<Emission> out = transaction(
                103,
                d("work_queue", q(5)),
                d("work_pool", POOL),
                d("work_queue", q(1)),
                d("work_queue", q(2)),
                d("work_queue", q(3)),
                d("work_queue", q(4)),
                d("work_queue", q(6)));
        assertEquals(
                List.of(
                        "prefect.work-queue.deleted other-1",
                        "prefect.work-queue.deleted b",
                        "prefect.work-queue.deleted d",
                        "prefect.work-queue.deleted c",
                        "prefect.work-queue.deleted a",
                        "prefect.work-pool.deleted k8s",
                        "prefect.work-queue.deleted other-2"),
                events(out));
    }

    @Test
    void aTransactionReadBackFromStateIsOrderedAlike() {
        createPoolWithQueues();
        List<String> large = new ArrayList<>();
        large.add(d("work_pool", POOL));
        for (int i = 1; i <= 10_050; i++) {
            large.add(variable(i));
        }
        large.addAll(
                List.of(d("work_queue", q(1)), d("work_queue", q(2)), d("work_queue", q(3)), d("work_queue", q(4))));
        List<Emission> out = transaction(104, large.toArray(String[]::new));
        List<String> names = events(out);
        assertEquals(10_055, names.size());
        assertEquals(
                List.of(
                        "prefect.work-queue.deleted b",
                        "prefect.work-queue.deleted d",
                        "prefect.work-queue.deleted c",
                        "prefect.work-queue.deleted a",
                        "prefect.work-pool.deleted k8s",
                        "prefect.variable.created v1"),
                names.subList(0, 6));
        assertEquals("prefect.variable.created v10050", names.get(names.size() - 1));
    }

    @Test
    void aStreamRestartedInsideTheTransactionGivesTheSameEventsInTheSameOrder() {
        List<String> script = new ArrayList<>(setup());
        script.addAll(script(
                105,
                d("work_pool", POOL),
                d("work_queue", q(1)),
                d("work_queue", q(2)),
                d("work_queue", q(3)),
                d("work_queue", q(4))));
        int restartAt = script.size() - 4; // after the pool's delete and one queue's
        List<Emission> whole = new ArrayList<>();
        ChangeStream uninterrupted = newStream(new InMemoryRowStore(), new InMemoryTransactionState());
        for (int i = 0; i < script.size(); i++) {
            uninterrupted.offer(record(script.get(i), i), whole::add);
        }
        List<Emission> restarted = new ArrayList<>();
        for (int i = 0; i < script.size(); i++) {
            if (i == restartAt) {
                stream = newStream(rows, transactions);
            }
            stream.offer(record(script.get(i), i), restarted::add);
        }
        assertEquals(eventsWithIds(whole), eventsWithIds(restarted));
        assertEquals(
                List.of(
                        "prefect.work-queue.deleted b",
                        "prefect.work-queue.deleted d",
                        "prefect.work-queue.deleted c",
                        "prefect.work-queue.deleted a",
                        "prefect.work-pool.deleted k8s"),
                events(restarted)
                        .subList(events(restarted).size() - 5, events(restarted).size()));
    }

    private void createPoolWithQueues() {
        for (String json : setup()) {
            offer(json, new ArrayList<>());
        }
    }

    /** Pool k8s with queues a (priority 3), b (1), c (2), d (1: a tie with b); other-1 and other-2 in another pool. */
    private static List<String> setup() {
        return script(
                101,
                c("work_pool", pool(POOL, "k8s", null)),
                c("work_queue", queue(q(1), "a", POOL, 3)),
                u("work_pool", pool(POOL, "k8s", q(1))),
                c("work_queue", queue(q(2), "b", POOL, 1)),
                c("work_queue", queue(q(3), "c", POOL, 2)),
                c("work_queue", queue(q(4), "d", POOL, 1)),
                c("work_pool", pool(OTHER_POOL, "other", null)),
                c("work_queue", queue(q(5), "other-1", OTHER_POOL, 1)),
                c("work_queue", queue(q(6), "other-2", OTHER_POOL, 2)));
    }

    private static ChangeStream newStream(RowStore rows, TransactionState transactions) {
        return new ChangeStream(rows, transactions, Optional.empty(), false, new ChangeDecoder());
    }

    /** BEGIN, the changes numbered in order (LSNs increasing), END. */
    private static List<String> script(long tx, String... changes) {
        List<String> records = new ArrayList<>();
        records.add(begin(tx));
        for (int i = 0; i < changes.length; i++) {
            records.add(changes[i]
                    .replace("\"TX\"", String.valueOf(tx))
                    .replace("\"ORDER\"", String.valueOf(i + 1))
                    .replace("TX:ORDER", tx + ":" + (i + 1))
                    .replace("\"LSN\"", String.valueOf(tx * 100_000 + i + 1)));
        }
        records.add(end(tx));
        return records;
    }

    /** Offers the transaction's records; returns their emissions. */
    private List<Emission> transaction(long tx, String... changes) {
        List<Emission> out = new ArrayList<>();
        for (String json : script(tx, changes)) {
            offer(json, out);
        }
        return out;
    }

    private void offer(String json, List<Emission> out) {
        stream.offer(record(json, offset++), out::add);
    }

    private static InputRecord record(String json, long offset) {
        return new InputRecord("prefect.cdc", 0, offset, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertEveryRecordHasOneOutcome(List<Emission> out) {
        List<Long> offsets = out.stream().map(e -> e.source().offset()).sorted().toList();
        long first = offsets.get(0);
        assertEquals(LongStream.range(first, first + offsets.size()).boxed().toList(), offsets);
    }

    private static List<String> events(List<Emission> emissions) {
        return eventsWithIds(emissions).stream()
                .map(s -> s.substring(0, s.lastIndexOf(' ')))
                .toList();
    }

    private static List<String> eventsWithIds(List<Emission> emissions) {
        List<String> names = new ArrayList<>();
        for (Emission emission : emissions) {
            emission.outcome()
                    .match(
                            events -> {
                                for (LifecycleEvent e : events.events()) {
                                    names.add(e.event() + " " + e.resource().name() + " " + e.id());
                                }
                                return null;
                            },
                            skipped -> null,
                            dead -> names.add("DLQ " + dead.reason() + " -"));
        }
        return names;
    }

    private static String q(int n) {
        return String.format("00000000-0000-4000-8000-00000000b%03d", n);
    }

    private static String pool(String id, String name, String defaultQueue) {
        return "{\"id\":\"" + id
                + "\",\"created\":\"2026-06-05T14:00:00.000001Z\",\"updated\":\"2026-06-05T14:00:00.000001Z\","
                + "\"name\":\"" + name + "\",\"description\":null,\"type\":\"kubernetes\",\"base_job_template\":\"{}\","
                + "\"is_paused\":false,\"concurrency_limit\":null,\"default_queue_id\":"
                + (defaultQueue == null ? "null" : "\"" + defaultQueue + "\"") + ",\"status\":\"NOT_READY\","
                + "\"last_transitioned_status_at\":null,\"last_status_event_id\":null,\"storage_configuration\":\"{}\"}";
    }

    private static String queue(String id, String name, String pool, int priority) {
        return "{\"id\":\"" + id
                + "\",\"created\":\"2026-06-05T14:00:00.000002Z\",\"updated\":\"2026-06-05T14:00:00.000002Z\","
                + "\"name\":\"" + name + "\",\"filter\":null,\"description\":\"\",\"is_paused\":false,"
                + "\"concurrency_limit\":null,\"last_polled\":null,\"priority\":" + priority + ",\"work_pool_id\":\""
                + pool + "\",\"status\":\"NOT_READY\"}";
    }

    private static String variable(int n) {
        return c(
                "variable",
                "{\"id\":\"" + String.format("00000000-0000-4000-8000-%012d", n) + "\",\"created\":"
                        + "\"2026-06-05T14:00:00Z\",\"updated\":\"2026-06-05T14:00:00Z\",\"name\":\"v" + n
                        + "\",\"value\":\"1\","
                        + "\"tags\":\"[]\"}");
    }

    private static String c(String table, String after) {
        return change(table, "null", after, "c");
    }

    private static String u(String table, String after) {
        return change(table, "null", after, "u");
    }

    /** A delete under REPLICA IDENTITY DEFAULT: the before-image holds the key only (placeholders elsewhere). */
    private static String d(String table, String id) {
        return change(table, "{\"id\":\"" + id + "\",\"created\":null}", "null", "d");
    }

    private static String change(String table, String before, String after, String op) {
        return "{\"before\":" + before + ",\"after\":" + after
                + ",\"source\":{\"name\":\"prefect\",\"schema\":\"public\","
                + "\"table\":\"" + table + "\",\"ts_us\":1780668000035169,\"lsn\":\"LSN\",\"txId\":\"TX\","
                + "\"snapshot\":\"false\"},\"transaction\":{\"id\":\"TX:ORDER\",\"total_order\":\"ORDER\","
                + "\"data_collection_order\":\"ORDER\"},\"op\":\"" + op + "\"}";
    }

    private static String begin(long tx) {
        return "{\"status\":\"BEGIN\",\"id\":\"" + tx + ":1\",\"event_count\":null,\"data_collections\":null}";
    }

    private static String end(long tx) {
        return "{\"status\":\"END\",\"id\":\"" + tx + ":999999\",\"event_count\":1,\"data_collections\":[]}";
    }
}
