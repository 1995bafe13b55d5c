package io.prefectlifecycle.pipeline;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Transaction completion, order and timeouts, without Kafka. */
class TransactionalPipelineTest {

    private static final long TIMEOUT = 5_000;
    private final TransactionalPipeline pipeline = new TransactionalPipeline(
            new LifecycleEngine(new InMemoryRowStore(), Optional.empty(), false), new InMemoryTransactionLog(), TIMEOUT);

    @Test
    void aTransactionIsEmittedWhenItsEndAndAllItsChangesHaveArrivedAndNotBefore() {
        assertEquals(List.of(), names(offer(begin(900), 0)));
        assertEquals(List.of(), names(offer(variable(900, 1, "a"), 0)));
        assertEquals(List.of(), names(offer(end(900, "public.variable", 2), 0)));
        assertEquals(List.of("a", "b"), names(offer(variable(900, 2, "b"), 0)));
    }

    @Test
    void changesOfTablesTheAppDoesNotReadDoNotHoldATransactionBack() {
        // Debezium's heartbeat table is captured, so END counts it, but its topic is not read by the app
        offer(begin(901), 0);
        assertEquals(List.of(), names(offer(end(901, "public.prefect_cdc_heartbeat", 1), 0)));
        offer(begin(902), 0);
        offer(variable(902, 1, "after-heartbeat"), 0);
        assertEquals(List.of("after-heartbeat"), names(offer(end(902, "public.variable", 1), 0)));
    }

    @Test
    void laterTransactionsWaitBehindAnEarlierOneUntilItCompletesOrTimesOut() {
        offer(begin(910), 0);
        offer(variable(910, 1, "first"), 0);
        offer(begin(911), 10);
        offer(variable(911, 1, "second"), 10);
        assertEquals(List.of(), names(offer(end(911, "public.variable", 1), 10)));
        assertEquals(List.of(), names(pipeline.expire(TIMEOUT - 1)));
        assertEquals(List.of("first", "second"), names(pipeline.expire(TIMEOUT)));
        assertEquals(1, pipeline.incompleteTransactions());
    }

    @Test
    void aLongTransactionStillArrivingIsNotCutByTheTimeout() {
        offer(begin(930), 0);
        for (int i = 1; i <= 10; i++) {
            offer(variable(930, i, "row-" + i), i * (TIMEOUT - 1));
            assertEquals(List.of(), names(pipeline.expire(i * (TIMEOUT - 1))));
        }
        assertEquals(10, names(offer(end(930, "public.variable", 10), 11 * (TIMEOUT - 1))).size());
        assertEquals(0, pipeline.incompleteTransactions());
    }

    @Test
    void theLatePartOfATransactionCutByTheTimeoutIsAppliedAsItComes() {
        offer(begin(940), 0);
        offer(variable(940, 1, "early"), 0);
        assertEquals(List.of("early"), names(pipeline.expire(TIMEOUT)));
        assertEquals(List.of("late"), names(offer(variable(940, 2, "late"), TIMEOUT + 10)));
        assertEquals(List.of(), names(offer(end(940, "public.variable", 2), TIMEOUT + 20)));
        offer(begin(941), TIMEOUT + 30);
        offer(variable(941, 1, "next"), TIMEOUT + 30);
        assertEquals(List.of("next"), names(offer(end(941, "public.variable", 1), TIMEOUT + 40)));
        assertEquals(1, pipeline.incompleteTransactions());
    }

    @Test
    void commitOrderIsTheOrderOfBeginRecordsEvenWhenALaterChangeIsReadFirst() {
        // the change of transaction 951 is read before the BEGIN of 950 (same timestamp on another topic)
        offer(variable(951, 1, "later"), 0);
        offer(begin(950), 0);
        offer(variable(950, 1, "earlier"), 0);
        offer(begin(951), 0);
        assertEquals(List.of(), names(offer(end(951, "public.variable", 1), 0)));
        assertEquals(List.of("earlier", "later"), names(offer(end(950, "public.variable", 1), 0)));
    }

    @Test
    void changesWhoseBeginNeverComesAreEmittedAfterTheTimeout() {
        offer(variable(960, 1, "no-begin"), 0);
        assertEquals(List.of(), names(pipeline.expire(TIMEOUT - 1)));
        assertEquals(List.of("no-begin"), names(pipeline.expire(TIMEOUT)));
        assertEquals(1, pipeline.incompleteTransactions());
    }

    @Test
    void aThreadBlockedThroughABrokerOutageDoesNotCutTheTransactionItHolds() {
        offer(begin(970), 0);
        offer(variable(970, 1, "before-outage"), 0);
        // no punctuation during the outage; the rest of 970 is the first input after it
        offer(variable(970, 2, "after-outage"), 30 * TIMEOUT + 10);
        assertEquals(List.of("before-outage", "after-outage"),
                names(offer(end(970, "public.variable", 2), 30 * TIMEOUT + 20)));
        assertEquals(0, pipeline.incompleteTransactions());
    }

    @Test
    void aChangeSentAgainAfterAConnectCrashDoesNotCountTwiceTowardsItsTransaction() {
        // the worker died inside transaction 970 after sending changes 1 and 2, its offsets flushed after change 1:
        // the new worker resumes with change 2 (again), 3 and END, and END is read before change 3
        offer(begin(970), 0);
        offer(variable(970, 1, "a"), 0);
        offer(variable(970, 2, "bb"), 0);
        assertEquals(List.of(), names(offer(variable(970, 2, "bb"), 10)));
        assertEquals(List.of(), names(offer(end(970, "public.variable", 3), 10)), "change 3 has not arrived");
        assertEquals(List.of("a", "bb", "ccc"), names(offer(variable(970, 3, "ccc"), 10)));
        assertEquals(0, pipeline.incompleteTransactions());
    }

    @Test
    void whenInputResumesAfterASilenceAWaitingTransactionGetsTheWholeTimeoutAgain() {
        offer(begin(980), 0);
        offer(variable(980, 1, "waiting"), 0);
        long resumed = 30 * TIMEOUT;
        heartbeat(981, resumed);
        assertEquals(List.of(), names(pipeline.expire(resumed + TIMEOUT - 1)));
        assertEquals(List.of("waiting"), names(pipeline.expire(resumed + TIMEOUT)));
        assertEquals(1, pipeline.incompleteTransactions());
    }

    @Test
    void aRestartedPipelineGivesTheRestoredTransactionsTheWholeTimeoutFromItsFirstRecord() {
        InMemoryTransactionLog log = new InMemoryTransactionLog();
        TransactionalPipeline first = new TransactionalPipeline(
                new LifecycleEngine(new InMemoryRowStore(), Optional.empty(), false), log, TIMEOUT);
        first.offer(record(begin(990)), 0);
        first.offer(record(variable(990, 1, "before-crash")), 0);
        TransactionalPipeline restarted = new TransactionalPipeline(
                new LifecycleEngine(new InMemoryRowStore(), Optional.empty(), false), log, TIMEOUT);
        long restart = 60 * TIMEOUT;
        assertEquals(List.of(), names(restarted.expire(restart)), "nothing read yet by the new process");
        assertEquals(List.of(), names(restarted.offer(record(variable(990, 2, "after-restart")), restart + 10)));
        assertEquals(List.of(), names(restarted.expire(restart + 20)), "the restored part waited long, but in the old process");
        assertEquals(List.of("before-crash", "after-restart"),
                names(restarted.offer(record(end(990, "public.variable", 2)), restart + 30)));
        assertEquals(0, restarted.incompleteTransactions());
    }

    @Test
    void theTailOfAnEmittedTransactionSentAgainAfterAConnectCrashEmitsNothing() {
        offer(begin(980), 0);
        offer(variable(980, 1, "a"), 0);
        offer(variable(980, 2, "bb"), 0);
        assertEquals(List.of("a", "bb"), names(offer(end(980, "public.variable", 2), 0)));
        // offsets flushed after change 1: change 2 and END come again, without BEGIN. Nothing tells them from a
        // transaction whose BEGIN is late, so they wait out the timeout; the row store then drops the change.
        assertEquals(List.of(), names(offer(variable(980, 2, "bb"), 10)));
        assertEquals(List.of(), names(offer(end(980, "public.variable", 2), 10)));
        offer(begin(981), 20);
        offer(variable(981, 1, "next"), 20);
        assertEquals(List.of(), names(offer(end(981, "public.variable", 1), 20)));
        assertEquals(List.of("next"), names(pipeline.expire(10 + TIMEOUT)));
    }

    @Test
    void withoutMetadataAnotherTransactionEndsTheOpenOne() {
        assertEquals(List.of(), names(offer(variableWithoutMetadata(920, "x"), 0)));
        assertEquals(List.of("x"), names(offer(variableWithoutMetadata(921, "y"), 0)));
        assertEquals(List.of("y"), names(pipeline.flushAll()));
        assertEquals(0, pipeline.incompleteTransactions());
    }

    private List<Emission> offer(String json, long now) {
        return pipeline.offer(record(json), now);
    }

    private static InputRecord record(String json) {
        return new InputRecord(json.contains("\"status\"") ? "prefect.transaction" : "prefect.public.variable",
                0, 0, null, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A transaction of Debezium's heartbeat table only: markers the app reads, no change it maps. */
    private void heartbeat(long tx, long now) {
        offer(begin(tx), now);
        offer(end(tx, "public.prefect_cdc_heartbeat", 1), now);
    }

    private static List<String> names(List<Emission> emissions) {
        List<String> names = new ArrayList<>();
        for (Emission emission : emissions) {
            emission.outcome().match(
                    events -> names.addAll(events.events().stream().map(e -> e.resource().name()).toList()),
                    skipped -> false,
                    dead -> names.add("DLQ " + dead.reason()));
        }
        return names;
    }

    private static String begin(long tx) {
        return "{\"status\":\"BEGIN\",\"id\":\"" + tx + ":1\",\"event_count\":null,\"data_collections\":null}";
    }

    private static String end(long tx, String table, long count) {
        return "{\"status\":\"END\",\"id\":\"" + tx + ":99\",\"event_count\":" + count
                + ",\"data_collections\":[{\"data_collection\":\"" + table + "\",\"event_count\":" + count + "}]}";
    }

    private static String variable(long tx, int order, String name) {
        return change(tx, name, "{\"id\":\"" + tx + ":" + order + "\",\"total_order\":" + order
                + ",\"data_collection_order\":" + order + "}");
    }

    private static String variableWithoutMetadata(long tx, String name) {
        return change(tx, name, "null");
    }

    private static String change(long tx, String name, String transaction) {
        String id = String.format("00000000-0000-4000-8000-%012d", Math.abs(name.hashCode()));
        return "{\"before\":null,\"after\":{\"id\":\"" + id + "\",\"created\":\"2026-06-05T13:01:54.123456Z\","
                + "\"updated\":\"2026-06-05T13:01:54.123456Z\",\"name\":\"" + name + "\",\"tags\":\"[]\",\"value\":\"1\"},"
                + "\"source\":{\"name\":\"prefect\",\"schema\":\"public\",\"table\":\"variable\",\"ts_us\":1780664515123573,"
                + "\"lsn\":" + (tx * 100 + name.length()) + ",\"txId\":" + tx + ",\"snapshot\":\"false\"},"
                + "\"transaction\":" + transaction + ",\"op\":\"c\"}";
    }
}
