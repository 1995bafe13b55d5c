package io.prefectlifecycle.replay;

import java.time.Duration;

/**
 * What a replay did.
 *
 * @param recordsRead            CDC records read (up to the end offsets captured at start)
 * @param eventsWritten          events committed to the target topic
 * @param eventsBeforeFrom       events derived but not written because they occurred before {@code --from}
 * @param deadLetters            records that could not become events
 * @param openTransactionRows    rows changed by a transaction whose END was not yet in the topic at the end
 *                               offsets: not emitted, as the live application has not emitted them either
 * @param elapsed                wall-clock time of the whole replay
 */
public record ReplayResult(
        long recordsRead,
        long eventsWritten,
        long eventsBeforeFrom,
        long deadLetters,
        long openTransactionRows,
        Duration elapsed) {

    public double recordsPerSecond() {
        return recordsRead / seconds();
    }

    public double eventsPerSecond() {
        return (eventsWritten + eventsBeforeFrom) / seconds();
    }

    private double seconds() {
        return Math.max(1e-9, elapsed.toNanos() / 1e9);
    }
}
