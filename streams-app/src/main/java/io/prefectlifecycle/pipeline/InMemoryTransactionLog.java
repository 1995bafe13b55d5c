package io.prefectlifecycle.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Transaction buffering for one offline run ({@code transform}, tests). */
public final class InMemoryTransactionLog implements TransactionLog {

    private final Map<String, Meta> metas = new HashMap<>();
    private final Map<String, List<InputRecord>> records = new HashMap<>();
    private List<String> pending = List.of();
    private List<String> awaitingBegin = List.of();

    @Override
    public Meta meta(String txId) {
        return metas.get(txId);
    }

    @Override
    public void putMeta(String txId, Meta meta) {
        metas.put(txId, meta);
    }

    @Override
    public void append(String txId, Meta meta, InputRecord record) {
        metas.put(txId, meta);
        records.computeIfAbsent(txId, k -> new ArrayList<>()).add(record);
    }

    @Override
    public List<InputRecord> records(String txId) {
        return records.getOrDefault(txId, List.of());
    }

    @Override
    public void remove(String txId) {
        metas.remove(txId);
        records.remove(txId);
    }

    @Override
    public List<String> pending() {
        return pending;
    }

    @Override
    public void setPending(List<String> txIds) {
        pending = List.copyOf(txIds);
    }

    @Override
    public List<String> awaitingBegin() {
        return awaitingBegin;
    }

    @Override
    public void setAwaitingBegin(List<String> txIds) {
        awaitingBegin = List.copyOf(txIds);
    }
}
