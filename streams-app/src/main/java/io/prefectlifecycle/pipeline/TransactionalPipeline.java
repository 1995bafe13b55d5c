package io.prefectlifecycle.pipeline;

import io.prefectlifecycle.cdc.ChangeRecord;
import io.prefectlifecycle.cdc.Decoded;
import io.prefectlifecycle.cdc.Op;
import io.prefectlifecycle.kinds.Kinds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Emits whole transactions, in commit order. Changes wait in the {@link TransactionLog} until their transaction is
 * complete, then go through the {@link LifecycleEngine} together, so that a row changed twice yields one event and
 * cascaded block-document deletes stay silent.
 * <ul>
 *   <li>With Debezium's transaction metadata, a transaction is the changes carrying its {@code transaction.id}; it is
 *       complete when its END record has arrived and as many changes as END counts. Commit order is the order of the
 *       BEGIN records (one partition): only BEGIN places a transaction in line. Changes can be read before their
 *       BEGIN (Kafka Streams interleaves topics by timestamp, and Connect stamps a batch with one millisecond); they
 *       wait, unplaced, until it comes.</li>
 *   <li>Without it, consecutive changes with the same {@code source.txId} form a transaction, ended by a change of
 *       another transaction (or the end of the input, for {@code transform}).</li>
 *   <li>A transaction that stays incomplete for the timeout, counted from its last record (so a long transaction
 *       still being read is not cut), is emitted with what arrived and counted: nothing is held forever. Later
 *       transactions wait behind it until then; its own late changes are applied one by one as they come. The
 *       timeout counts in this process, from when input last flowed: see {@link #timedOut}.</li>
 *   <li>Snapshot reads are not part of a transaction and are applied at once.</li>
 * </ul>
 */
public final class TransactionalPipeline {

    private static final String MARKED = "tx:";
    private static final String BY_XID = "xid:";
    private static final long NO_INPUT = Long.MIN_VALUE;

    /** More buffered changes than this and the decoded copies are dropped (they are decoded again at emit). */
    private static final int MAX_DECODED = 100_000;

    private final LifecycleEngine engine;
    private final TransactionLog log;
    /**
     * The decoded changes of the buffered records, so that a record is decoded once: at offer, not again at emit.
     * Memory only (after a restart the buffer's records are decoded again); checked against the record's bytes.
     */
    private final Map<Coordinates, DecodedRecord> decoded = new HashMap<>();
    /**
     * Per buffered transaction, the changes it holds ({@link #changeIdentity}). After a Connect crash Debezium resumes
     * after its last flushed offset, possibly inside a transaction and without its BEGIN: changes already buffered come
     * again, and must not count twice towards END's count (or the transaction would be emitted before its last
     * changes). Memory only; rebuilt from the log for a transaction buffered before a restart.
     */
    private final Map<String, Set<String>> bufferedChanges = new HashMap<>();
    private final long timeoutMillis;
    private long incompleteTransactions;
    private String lastIncomplete = "";
    /** When the last record was offered, and when input (re)started after a silence longer than the timeout. */
    private long lastInputMillis = NO_INPUT;
    private long inputResumedMillis = NO_INPUT;

    public TransactionalPipeline(LifecycleEngine engine, TransactionLog log, long timeoutMillis) {
        this.engine = engine;
        this.log = log instanceof InMemoryTransactionLog ? log : new CachedTransactionLog(log);
        this.timeoutMillis = timeoutMillis;
    }

    /** Transactions emitted incomplete because the timeout ran out, since start. */
    public long incompleteTransactions() {
        return incompleteTransactions;
    }

    /** What the last transaction emitted incomplete lacked, for the log; empty before the first. */
    public String lastIncomplete() {
        return lastIncomplete;
    }

    /** Takes one record; returns the emissions it completes (possibly of earlier records). */
    public List<Emission> offer(InputRecord record, long nowMillis) {
        if (lastInputMillis == NO_INPUT || nowMillis - lastInputMillis > timeoutMillis) {
            inputResumedMillis = nowMillis;
        }
        lastInputMillis = Math.max(lastInputMillis, nowMillis);
        Decoded decoded = engine.decode(record);
        List<Emission> out = new ArrayList<>();
        decoded.match(
                change -> {
                    String txKey = transactionOf(change.change());
                    if (txKey == null) {
                        out.addAll(applyAlone(record, change.change()));
                    } else {
                        out.addAll(buffer(txKey, record, change.change(), nowMillis));
                    }
                    return null;
                },
                tombstone -> out.add(new Emission(record, new Outcome.Skipped("tombstone"))),
                marker -> {
                    mark(MARKED + xidOf(marker.id()), marker.status(), changesWeRead(marker), nowMillis);
                    return out.add(new Emission(record, new Outcome.Skipped("transaction " + marker.status())));
                },
                ignored -> out.add(new Emission(record, new Outcome.Skipped(ignored.reason()))),
                malformed -> out.add(new Emission(record, new Outcome.DeadLetter(malformed.reason(), "MalformedRecord"))));
        out.addAll(drain(nowMillis, false));
        return out;
    }

    /** The latest time a buffered transaction was seen (its last record), or empty when nothing is buffered. */
    public java.util.OptionalLong lastActivity() {
        return java.util.stream.Stream.concat(log.pending().stream(), log.awaitingBegin().stream())
                .map(log::meta).filter(java.util.Objects::nonNull)
                .mapToLong(TransactionLog.Meta::lastSeenMillis).max();
    }

    /**
     * Whether a transaction Debezium began is waiting for its END: its END may be held up in Connect (a crash, a
     * restart), so a silence must not time it out. Transactions without metadata have no END to wait for.
     */
    public boolean awaitsEnd() {
        for (String txKey : log.pending()) {
            TransactionLog.Meta meta = txKey.startsWith(MARKED) ? log.meta(txKey) : null;
            if (meta != null && meta.begun() && meta.expected() < 0 && !meta.closed()) {
                return true;
            }
        }
        return false;
    }

    /** Emits transactions whose time is up (called periodically). */
    public List<Emission> expire(long nowMillis) {
        return drain(nowMillis, false);
    }

    /** The end of the input: emits everything still buffered, in commit order. */
    public List<Emission> flushAll() {
        return drain(Long.MAX_VALUE, true);
    }

    private static String transactionOf(ChangeRecord change) {
        if (change.transaction() != null) {
            return MARKED + xidOf(change.transaction().id());
        }
        if (change.op() == Op.READ || change.source().txId() == null) {
            return null;
        }
        return BY_XID + change.source().txId();
    }

    /**
     * How many of the transaction's changes this pipeline reads: END counts every captured table, including ones
     * the app does not map (Debezium's heartbeat table), whose changes never arrive here.
     */
    private static long changesWeRead(Decoded.TransactionMarker marker) {
        if (marker.countsByTable().isEmpty()) {
            return marker.eventCount();
        }
        long count = 0;
        for (Map.Entry<String, Long> table : marker.countsByTable().entrySet()) {
            String name = table.getKey().substring(table.getKey().lastIndexOf('.') + 1);
            if (Kinds.forTable(name).isPresent()) {
                count += table.getValue();
            }
        }
        return count;
    }

    /**
     * Debezium 3.6 writes transaction ids as {@code <txId>:<lsn>} with the LSN of each record, so BEGIN, the changes
     * and END of one transaction differ after the colon: the transaction is the part before it.
     */
    private static String xidOf(String transactionId) {
        int colon = transactionId.indexOf(':');
        return colon < 0 ? transactionId : transactionId.substring(0, colon);
    }

    private List<Emission> applyAlone(InputRecord record, ChangeRecord change) {
        LifecycleEngine.Applied applied = engine.apply(record, change);
        return applied.outcome() != null ? List.of(new Emission(record, applied.outcome()))
                : engine.complete(List.of(applied.step()));
    }

    private List<Emission> buffer(String txKey, InputRecord record, ChangeRecord change, long nowMillis) {
        TransactionLog.Meta meta = log.meta(txKey);
        if (meta != null && meta.closed()) {
            return applyAlone(record, change);
        }
        if (!buffered(txKey).add(changeIdentity(change))) {
            return List.of(new Emission(record, new Outcome.Skipped("redelivered change: already buffered in its transaction")));
        }
        meta = (meta == null ? TransactionLog.Meta.first(nowMillis) : meta).withChange(nowMillis);
        log.append(txKey, meta, record);
        if (decoded.size() >= MAX_DECODED) {
            decoded.clear();
        }
        decoded.put(Coordinates.of(record), new DecodedRecord(record, new Decoded.Change(change)));
        if (txKey.startsWith(BY_XID)) {
            List<String> pending = new ArrayList<>(log.pending());
            closeOtherTransactionsByXid(txKey, pending);
            addIfAbsent(pending, txKey, log::setPending);
        } else if (!meta.begun()) {
            addIfAbsent(new ArrayList<>(log.awaitingBegin()), txKey, log::setAwaitingBegin);
        }
        return List.of();
    }

    private Set<String> buffered(String txKey) {
        return bufferedChanges.computeIfAbsent(txKey, k -> {
            Set<String> identities = new HashSet<>();
            for (InputRecord record : log.records(k)) {
                if (engine.decode(record) instanceof Decoded.Change change) {
                    identities.add(changeIdentity(change.change()));
                }
            }
            return identities;
        });
    }

    /** A change as PostgreSQL wrote it: the same whenever Debezium sends it again. */
    private static String changeIdentity(ChangeRecord change) {
        return change.table() + "|" + change.primaryKey() + "|" + change.source().lsn() + "|" + change.op().code();
    }

    private static void addIfAbsent(List<String> ids, String txKey, java.util.function.Consumer<List<String>> save) {
        if (!ids.contains(txKey)) {
            ids.add(txKey);
            save.accept(ids);
        }
    }

    /** Without metadata, a change of another transaction ends the open ones. */
    private void closeOtherTransactionsByXid(String txKey, List<String> pending) {
        for (String other : pending) {
            TransactionLog.Meta meta = log.meta(other);
            if (other.startsWith(BY_XID) && !other.equals(txKey) && meta != null && meta.expected() < 0) {
                log.putMeta(other, meta.withMarker(true, meta.count(), meta.lastSeenMillis()));
            }
        }
    }

    private void mark(String txKey, String status, long changes, long nowMillis) {
        TransactionLog.Meta meta = log.meta(txKey);
        if (meta != null && meta.closed()) {
            if (status.equals("END")) {
                forget(txKey); // the late part has been applied: nothing more will come
            }
            return;
        }
        meta = (meta == null ? TransactionLog.Meta.first(nowMillis) : meta)
                .withMarker(status.equals("END"), changes, nowMillis);
        log.putMeta(txKey, meta);
        List<String> awaiting = new ArrayList<>(log.awaitingBegin());
        if (awaiting.remove(txKey)) {
            log.setAwaitingBegin(awaiting);
        }
        addIfAbsent(new ArrayList<>(log.pending()), txKey, log::setPending);
    }

    private List<Emission> drain(long nowMillis, boolean endOfInput) {
        List<Emission> out = new ArrayList<>();
        List<String> pending = new ArrayList<>(log.pending());
        while (!pending.isEmpty()) {
            String head = pending.get(0);
            TransactionLog.Meta meta = log.meta(head);
            boolean complete = meta == null || meta.complete();
            if (!complete && !endOfInput && !timedOut(meta, nowMillis)) {
                break;
            }
            out.addAll(emitWhole(head, meta, complete));
            pending.remove(0);
            log.setPending(pending);
        }
        // changes whose BEGIN never came: emitted once they have waited out the timeout
        List<String> awaiting = new ArrayList<>(log.awaitingBegin());
        for (String txKey : List.copyOf(awaiting)) {
            TransactionLog.Meta meta = log.meta(txKey);
            if (meta == null || endOfInput || timedOut(meta, nowMillis)) {
                out.addAll(emitWhole(txKey, meta, false));
                awaiting.remove(txKey);
                log.setAwaitingBegin(awaiting);
            }
        }
        return out;
    }

    /**
     * Whether the transaction has waited out the timeout since its last record, counted in this process and from
     * when input last flowed. A restart restores the waiting transactions with the old process's times: they wait
     * until this process has read a record and then the whole timeout, so their END, already in the topic, is read
     * first. The same after a silence longer than the timeout in which no punctuation ran (the thread blocked through
     * a broker outage): the first record read gives every waiting transaction the whole timeout again.
     */
    private boolean timedOut(TransactionLog.Meta meta, long nowMillis) {
        return meta != null && lastInputMillis != NO_INPUT
                && nowMillis - Math.max(meta.lastSeenMillis(), inputResumedMillis) >= timeoutMillis;
    }

    private List<Emission> emitWhole(String txKey, TransactionLog.Meta meta, boolean complete) {
        List<Emission> out = emit(txKey);
        // without metadata nothing marks the end of a transaction: waiting it out is normal, not incomplete
        if (!complete && txKey.startsWith(MARKED) && meta != null) {
            incompleteTransactions++;
            lastIncomplete = "transaction " + txKey.substring(MARKED.length()) + ": "
                    + (meta.expected() >= 0 ? "END read, " + meta.count() + " of " + meta.expected() + " changes"
                    : (meta.begun() ? "BEGIN read, no END, " : "neither BEGIN nor END read, ") + meta.count()
                    + " change(s)");
            log.putMeta(txKey, meta.asClosed());
        }
        return out;
    }

    private List<Emission> emit(String txKey) {
        List<Emission> out = new ArrayList<>();
        List<InputRecord> records = log.records(txKey);
        List<Buffered> ordered = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            InputRecord record = records.get(i);
            DecodedRecord known = this.decoded.remove(Coordinates.of(record));
            Decoded decoded = known != null && known.decodes(record) ? known.change() : engine.decode(record);
            if (decoded instanceof Decoded.Change change) {
                ordered.add(new Buffered(record, change.change(), i));
            }
        }
        ordered.sort(Comparator.comparingLong(Buffered::order).thenComparingLong(Buffered::arrival));
        List<RowStep> steps = new ArrayList<>(ordered.size());
        for (Buffered buffered : ordered) {
            LifecycleEngine.Applied result = engine.apply(buffered.record(), buffered.change());
            if (result.outcome() != null) {
                out.add(new Emission(buffered.record(), result.outcome()));
            } else {
                steps.add(result.step());
            }
        }
        out.addAll(engine.complete(steps));
        forget(txKey);
        return out;
    }

    private void forget(String txKey) {
        log.remove(txKey);
        bufferedChanges.remove(txKey);
    }

    /** Where a record was read. */
    private record Coordinates(String topic, int partition, long offset) {
        static Coordinates of(InputRecord record) {
            return new Coordinates(record.topic(), record.partition(), record.offset());
        }
    }

    /** A buffered record and what it decoded to. */
    private record DecodedRecord(InputRecord source, Decoded.Change change) {
        /** Whether {@code record} is the same record (same bytes), not only at the same coordinates. */
        boolean decodes(InputRecord record) {
            return Arrays.equals(source.value(), record.value()) && Arrays.equals(source.key(), record.key());
        }
    }

    /** A buffered change and its position: Debezium's total order when known, else the LSN, else arrival. */
    private record Buffered(InputRecord record, ChangeRecord change, long arrival) {
        long order() {
            if (change.transaction() != null) {
                return change.transaction().totalOrder();
            }
            return change.source().lsn() != null ? change.source().lsn() : arrival;
        }
    }
}
