package io.prefectlifecycle.stream;

import java.util.HashMap;
import java.util.Map;

/** The open transaction of one offline run ({@code transform}, {@code replay}, tests). */
public final class InMemoryTransactionState implements TransactionState {

    private OpenTransaction open = OpenTransaction.NONE;
    private final Map<Integer, RowTouch> touches = new HashMap<>();

    @Override
    public OpenTransaction open() {
        return open;
    }

    @Override
    public void open(OpenTransaction transaction) {
        open = transaction;
    }

    @Override
    public RowTouch touch(int index) {
        return touches.get(index);
    }

    @Override
    public void touch(int index, RowTouch touch) {
        touches.put(index, touch);
    }

    @Override
    public void forget(int from, int to) {
        for (int i = from; i < to; i++) {
            touches.remove(i);
        }
    }
}
