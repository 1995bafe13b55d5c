package io.prefectlifecycle.replay;

import java.time.Duration;
import java.util.Locale;

/**
 * Counts a replay's progress and formats it for stderr: at most one line per {@link #INTERVAL}. {@code total} is
 * the number of offsets between the start and the end offsets captured at start; a compacted topic has fewer
 * records than offsets, so the replay may finish before the count reaches it.
 */
public final class ReplayProgress {

    public static final Duration INTERVAL = Duration.ofSeconds(1);

    private final long total;
    private final long startNanos;
    private long lastReportNanos;
    private long offsetsDone;
    private long recordsRead;
    private long eventsWritten;
    private long eventsBeforeFrom;
    private long deadLetters;

    public ReplayProgress(long total, long startNanos) {
        this.total = total;
        this.startNanos = startNanos;
        this.lastReportNanos = startNanos;
    }

    /** One record merged; {@code offsets} is how far it moved its partition (1 unless offsets were skipped). */
    public void read(long offsets) {
        recordsRead++;
        offsetsDone += offsets;
    }

    public void event(boolean written) {
        if (written) {
            eventsWritten++;
        } else {
            eventsBeforeFrom++;
        }
    }

    public void deadLetter() {
        deadLetters++;
    }

    public long recordsRead() {
        return recordsRead;
    }

    public long eventsWritten() {
        return eventsWritten;
    }

    public long eventsBeforeFrom() {
        return eventsBeforeFrom;
    }

    public long deadLetters() {
        return deadLetters;
    }

    public long total() {
        return total;
    }

    /** The progress line when one is due at {@code nowNanos}, else null. */
    public String due(long nowNanos) {
        if (nowNanos - lastReportNanos < INTERVAL.toNanos()) {
            return null;
        }
        lastReportNanos = nowNanos;
        return line(nowNanos);
    }

    public String line(long nowNanos) {
        double seconds = Math.max(1e-9, (nowNanos - startNanos) / 1e9);
        double rate = recordsRead / seconds;
        long remaining = Math.max(0, total - offsetsDone);
        String eta = rate <= 0 ? "?" : formatDuration(Duration.ofMillis((long) (remaining / rate * 1000)));
        return String.format(
                Locale.ROOT,
                "replay: %,d / %,d records (%.1f%%), %,d events written, %,.0f records/s, ETA %s",
                offsetsDone,
                total,
                total == 0 ? 100.0 : 100.0 * offsetsDone / total,
                eventsWritten,
                rate,
                eta);
    }

    static String formatDuration(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
