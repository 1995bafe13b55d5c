package io.prefectlifecycle.stream;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transactions from one ordered change stream, without Kafka: when they end, what is dropped, restarts. */
class ChangeStreamTest {

    private final InMemoryRowStore rows = new InMemoryRowStore();
    private final InMemoryTransactionState transaction = new InMemoryTransactionState();
    private ChangeStream stream =
            new ChangeStream(rows, transaction, Optional.empty(), false, new io.prefectlifecycle.cdc.ChangeDecoder());
    private long offset;

    @Test
    void aTransactionIsEmittedAtItsEndAndNotBefore() {
        assertEquals(List.of(), names(offer(begin(900))));
        assertEquals(List.of(), names(offer(variable(900, 1, "a"))));
        assertEquals(List.of(), names(offer(variable(900, 2, "b"))));
        assertTrue(stream.openTransaction().isOpen());
        assertEquals(List.of("a", "b"), names(offer(end(900))));
        assertFalse(stream.openTransaction().isOpen());
    }

    @Test
    void theEndOfAnotherTransactionEndsNothing() {
        offer(begin(901));
        offer(variable(901, 1, "open"));
        assertEquals(List.of(), names(offer(end(899))));
        assertEquals(List.of("open"), names(offer(end(901))));
    }

    @Test
    void withoutMetadataAChangeOfAnotherTransactionEndsTheOpenOne() {
        assertEquals(List.of(), names(offer(withoutMetadata(920, "x"))));
        assertEquals(List.of("x"), names(offer(withoutMetadata(921, "y"))));
        List<Emission> rest = new ArrayList<>();
        stream.endOfInput(rest::add);
        assertEquals(List.of("y"), names(rest));
    }

    @Test
    void withoutMetadataAHeartbeatEndsTheLastTransaction() {
        offer(withoutMetadata(930, "before-quiet"));
        assertEquals(List.of("before-quiet"), names(offer(heartbeat(931, 93_100))));
    }

    @Test
    void aChangeSentAgainIsDroppedAtOnceInsideItsTransactionAndAfterIt() {
        offer(begin(940));
        offer(variable(940, 1, "a"));
        List<Emission> again = offer(variable(940, 1, "a"));
        assertEquals("redelivered change: LSN already applied to this row", skippedReason(again));
        offer(variable(940, 2, "bb"));
        assertEquals(List.of("a", "bb"), names(offer(end(940))));
        assertEquals(
                "redelivered change: LSN already applied to this row", skippedReason(offer(variable(940, 2, "bb"))));
    }

    @Test
    void theTailOfAnEmittedTransactionSentAgainLeavesTheOpenOneAlone() {
        // Connect died after writing transaction 950 and the start of 951, its offsets flushed inside 950: the new
        // worker sends the rest of 950 (changes, END, no BEGIN) again, then BEGIN 951 and 951 whole
        offer(begin(950));
        offer(variable(950, 1, "a"));
        offer(variable(950, 2, "bb"));
        assertEquals(List.of("a", "bb"), names(offer(end(950))));
        offer(begin(951));
        offer(variable(951, 1, "ccc"));
        assertEquals(List.of(), names(offer(variable(950, 2, "bb"))));
        assertEquals(List.of(), names(offer(end(950))));
        assertEquals(List.of(), names(offer(begin(951))));
        assertEquals(List.of(), names(offer(variable(951, 1, "ccc"))));
        offer(variable(951, 2, "dddd"));
        assertEquals(List.of("ccc", "dddd"), names(offer(end(951))));
    }

    @Test
    void aStreamRestartedInsideATransactionGoesOnFromItsState() {
        List<String> whole = namesAndIds(run(
                new ChangeStream(
                        new InMemoryRowStore(),
                        new InMemoryTransactionState(),
                        Optional.empty(),
                        false,
                        new io.prefectlifecycle.cdc.ChangeDecoder()),
                0,
                8));
        List<Emission> out = new ArrayList<>(run(stream, 0, 4));
        stream = new ChangeStream(
                rows, transaction, Optional.empty(), false, new io.prefectlifecycle.cdc.ChangeDecoder());
        out.addAll(run(stream, 4, 8));
        assertEquals(whole, namesAndIds(out));
        assertEquals(List.of("r1", "r2", "r3"), names(out));
    }

    @Test
    void aTransactionLargerThanMemoryIsReadBackFromStateWithTheSameEvents() {
        int changes = 10_050;
        List<String> large = new ArrayList<>();
        offer(begin(960));
        for (int i = 1; i <= changes; i++) {
            large.addAll(namesAndIds(offer(variable(960, i, "row-" + i))));
        }
        large.addAll(namesAndIds(offer(end(960))));
        assertEquals(changes, large.size());
        assertEquals("row-1", large.get(0).split(" ")[0]);
        assertEquals("row-" + changes, large.get(changes - 1).split(" ")[0]);
    }

    @Test
    void everyRecordGetsExactlyOneOutcome() {
        List<String> records = List.of(
                begin(970),
                variable(970, 1, "a"),
                variable(970, 1, "a"),
                updated(970, 2, "a"),
                "{\"not\":\"debezium\"}",
                end(970),
                withoutMetadata(971, "z"),
                heartbeat(972, 97_200));
        List<Emission> out = new ArrayList<>();
        for (String json : records) {
            out.addAll(offer(json));
        }
        stream.endOfInput(out::add);
        List<Long> offsets = out.stream().map(e -> e.source().offset()).sorted().toList();
        assertEquals(IntStream.range(0, records.size()).mapToObj(i -> (long) i).toList(), offsets);
        assertEquals(List.of("DLQ", "a", "z"), names(out));
    }

    @Test
    void aRowChangedTwiceIsOneEventCarriedByItsLastChange() {
        offer(begin(980));
        offer(variable(980, 1, "a"));
        List<Emission> second = offer(updated(980, 2, "a"));
        assertEquals("coalesced with a later change of the row in its transaction", skippedReason(second));
        List<Emission> end = offer(end(980));
        assertEquals(List.of("a"), names(end));
        assertEquals(2, end.get(0).source().offset(), "the event goes with the row's last change");
        assertTrue(end.get(0).outcome() instanceof Outcome.Events events
                && events.events().get(0).event().equals("prefect.variable.created"));
    }

    @Test
    void theRowsOfAPrefectUpgradeAreSilentAndTheNextTransactionIsNot() {
        offer(begin(985));
        offer(variable(985, 1, "before-upgrade"));
        assertEquals(List.of("before-upgrade"), names(offer(end(985))));
        offer(begin(986));
        List<Emission> migration = new ArrayList<>(offer(updated(986, 1, "before-upgrade")));
        List<Emission> version = new ArrayList<>();
        stream.offer(
                new InputRecord(
                        "prefect.cdc",
                        0,
                        offset++,
                        "{\"version_num\":\"94622c1663e8\"}".getBytes(StandardCharsets.UTF_8),
                        alembicVersion(986, 2, "94622c1663e8").getBytes(StandardCharsets.UTF_8)),
                version::add);
        migration.addAll(version);
        migration.addAll(offer(end(986)));
        assertEquals(List.of(), names(migration));
        assertEquals(
                List.of(
                        "changed by the Prefect schema migration to 94622c1663e8",
                        "Prefect schema migrated to 94622c1663e8",
                        "transaction END"),
                migration.stream()
                        .map(e -> ((Outcome.Skipped) e.outcome()).reason())
                        .toList());
        offer(begin(987));
        offer(updated(987, 1, "before-upgrade"));
        assertEquals(List.of("before-upgrade"), names(offer(end(987))), "an update after the upgrade is announced");
    }

    private List<Emission> run(ChangeStream target, int from, int to) {
        List<String> script = List.of(
                begin(990),
                variable(990, 1, "r1"),
                variable(990, 2, "r2"),
                end(990),
                begin(991),
                variable(991, 1, "r3"),
                updated(991, 2, "r3"),
                end(991));
        List<Emission> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            target.offer(record(script.get(i), i), out::add);
        }
        return out;
    }

    private List<Emission> offer(String json) {
        List<Emission> out = new ArrayList<>();
        stream.offer(record(json, offset++), out::add);
        return out;
    }

    private static InputRecord record(String json, long offset) {
        return new InputRecord("prefect.cdc", 0, offset, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> names(List<Emission> emissions) {
        return namesAndIds(emissions).stream().map(s -> s.split(" ")[0]).toList();
    }

    private static List<String> namesAndIds(List<Emission> emissions) {
        List<String> names = new ArrayList<>();
        for (Emission emission : emissions) {
            emission.outcome()
                    .match(
                            events -> names.addAll(events.events().stream()
                                    .map(e -> e.resource().name() + " " + e.id())
                                    .toList()),
                            skipped -> false,
                            dead -> names.add("DLQ " + dead.reason()));
        }
        return names;
    }

    private static String skippedReason(List<Emission> emissions) {
        assertEquals(1, emissions.size(), emissions.toString());
        return ((Outcome.Skipped) emissions.get(0).outcome()).reason();
    }

    private static String begin(long tx) {
        return "{\"status\":\"BEGIN\",\"id\":\"" + tx + ":1\",\"event_count\":null,\"data_collections\":null}";
    }

    private static String end(long tx) {
        return "{\"status\":\"END\",\"id\":\"" + tx + ":99\",\"event_count\":1,\"data_collections\":[]}";
    }

    private static String variable(long tx, int order, String name) {
        return change(tx, order, name, "c", metadata(tx, order));
    }

    private static String updated(long tx, int order, String name) {
        return change(tx, order, name, "u", metadata(tx, order));
    }

    private static String withoutMetadata(long tx, String name) {
        return change(tx, 1, name, "c", "null");
    }

    private static String metadata(long tx, int order) {
        return "{\"id\":\"" + tx + ":" + order + "\",\"total_order\":" + order + ",\"data_collection_order\":" + order
                + "}";
    }

    /** Alembic's update of {@code alembic_version}, as Debezium sends a changed primary key: the new row. */
    private static String alembicVersion(long tx, int order, String revision) {
        return "{\"before\":null,\"after\":{\"version_num\":\"" + revision + "\"},\"source\":{\"name\":\"prefect\","
                + "\"schema\":\"public\",\"table\":\"alembic_version\",\"ts_us\":1780664515123573,\"lsn\":"
                + (tx * 100_000 + order) + ",\"txId\":" + tx + ",\"snapshot\":\"false\"},\"transaction\":"
                + metadata(tx, order) + ",\"op\":\"c\"}";
    }

    /** A change of Debezium's heartbeat table, as its heartbeat action writes it, without metadata. */
    private static String heartbeat(long tx, long lsn) {
        return "{\"before\":null,\"after\":{\"id\":1,\"ts\":\"2026-06-05T13:01:54.123456Z\"},\"source\":{\"name\":"
                + "\"prefect\",\"schema\":\"public\",\"table\":\"prefect_cdc_heartbeat\",\"ts_us\":1780664515123573,"
                + "\"lsn\":" + lsn + ",\"txId\":" + tx + ",\"snapshot\":\"false\"},\"transaction\":null,\"op\":\"u\"}";
    }

    private static String change(long tx, int order, String name, String op, String transaction) {
        String id = String.format("00000000-0000-4000-8000-%012d", Math.abs(name.hashCode()));
        return "{\"before\":null,\"after\":{\"id\":\"" + id + "\",\"created\":\"2026-06-05T13:01:54.123456Z\","
                + "\"updated\":\"2026-06-05T13:01:54.123456Z\",\"name\":\"" + name + "\",\"tags\":\"[]\",\"value\":\""
                + order + "\"},\"source\":{\"name\":\"prefect\",\"schema\":\"public\",\"table\":\"variable\","
                + "\"ts_us\":1780664515123573,\"lsn\":" + (tx * 100_000 + order) + ",\"txId\":" + tx
                + ",\"snapshot\":\"false\"},\"transaction\":" + transaction + ",\"op\":\"" + op + "\"}";
    }
}
