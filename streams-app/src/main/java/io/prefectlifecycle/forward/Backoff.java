package io.prefectlifecycle.forward;

import java.time.Duration;

/** Waits between retries: doubling from {@code initial}, capped at {@code max}; {@link #reset()} after a success. */
final class Backoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;

    Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off from " + initial + " up to " + max);
        }
        this.initial = initial;
        this.max = max;
        this.next = initial;
    }

    /** The wait before the next attempt; each call doubles the one after, up to the cap. */
    Duration next() {
        Duration wait = next;
        next = next.multipliedBy(2).compareTo(max) > 0 ? max : next.multipliedBy(2);
        return wait;
    }

    void reset() {
        next = initial;
    }
}
