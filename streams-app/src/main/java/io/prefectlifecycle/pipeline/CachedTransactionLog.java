package io.prefectlifecycle.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A write-through cache in front of the pipeline's {@link TransactionLog}: every write still reaches the log (the
 * changelogged store, which stays the truth after a restart), but what this pipeline wrote or read once is read
 * back from memory: the {@code pending} lists and each transaction's meta are read for every record, and a
 * transaction's records are read back once it completes. Valid because one pipeline owns its log.
 */
final class CachedTransactionLog implements TransactionLog {

    private final TransactionLog log;
    private final Map<String, Optional<Meta>> metas = new HashMap<>();
    /** The records of transactions that started in this pipeline (none of them is only in the log). */
    private final Map<String, List<InputRecord>> records = new HashMap<>();
    private List<String> pending;
    private List<String> awaitingBegin;

    CachedTransactionLog(TransactionLog log) {
        this.log = log;
    }

    @Override
    public Meta meta(String txId) {
        Optional<Meta> meta = metas.get(txId);
        if (meta == null) {
            meta = Optional.ofNullable(log.meta(txId));
            metas.put(txId, meta);
            if (meta.isEmpty()) {
                records.put(txId, new ArrayList<>());
            }
        }
        return meta.orElse(null);
    }

    @Override
    public void putMeta(String txId, Meta meta) {
        log.putMeta(txId, meta);
        metas.put(txId, Optional.of(meta));
    }

    @Override
    public void append(String txId, Meta meta, InputRecord record) {
        log.append(txId, meta, record);
        metas.put(txId, Optional.of(meta));
        List<InputRecord> started = records.get(txId);
        if (started != null) {
            started.add(record);
        }
    }

    @Override
    public List<InputRecord> records(String txId) {
        List<InputRecord> started = records.get(txId);
        return started != null ? List.copyOf(started) : log.records(txId);
    }

    @Override
    public void remove(String txId) {
        log.remove(txId);
        metas.remove(txId);
        records.remove(txId);
    }

    @Override
    public List<String> pending() {
        if (pending == null) {
            pending = List.copyOf(log.pending());
        }
        return pending;
    }

    @Override
    public void setPending(List<String> txIds) {
        log.setPending(txIds);
        pending = List.copyOf(txIds);
    }

    @Override
    public List<String> awaitingBegin() {
        if (awaitingBegin == null) {
            awaitingBegin = List.copyOf(log.awaitingBegin());
        }
        return awaitingBegin;
    }

    @Override
    public void setAwaitingBegin(List<String> txIds) {
        log.setAwaitingBegin(txIds);
        awaitingBegin = List.copyOf(txIds);
    }
}
