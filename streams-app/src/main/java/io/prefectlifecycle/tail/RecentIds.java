package io.prefectlifecycle.tail;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last {@code capacity} event ids seen, least recently seen evicted first: an event whose id is still in the
 * window is a duplicate (a replay into the live topic, a producer retry outside a transaction). Capacity 0 keeps
 * nothing, so nothing is a duplicate.
 */
public final class RecentIds {

    private final int capacity;
    private final LinkedHashMap<String, Boolean> ids;

    public RecentIds(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must not be negative");
        }
        this.capacity = capacity;
        this.ids = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > RecentIds.this.capacity;
            }
        };
    }

    /** Records the id; true when it was not in the window. */
    public boolean firstSeen(String id) {
        if (capacity == 0) {
            return true;
        }
        return ids.put(id, Boolean.TRUE) == null;
    }

    public int size() {
        return ids.size();
    }
}
