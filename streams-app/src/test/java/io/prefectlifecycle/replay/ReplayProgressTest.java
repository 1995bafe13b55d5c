package io.prefectlifecycle.replay;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class ReplayProgressTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void reportsAtMostOnceASecond() {
        ReplayProgress progress = new ReplayProgress(100, 0);
        progress.read(1);
        assertNull(progress.due(SECOND / 2));
        assertNotNull(progress.due(SECOND));
        assertNull(progress.due(SECOND + SECOND / 2));
        assertNotNull(progress.due(2 * SECOND + 1));
    }

    @Test
    void showsRecordsTotalEventsRateAndEta() {
        ReplayProgress progress = new ReplayProgress(4_000, 0);
        for (int i = 0; i < 1_000; i++) {
            progress.read(1);
        }
        for (int i = 0; i < 300; i++) {
            progress.event(true);
        }
        progress.event(false);
        assertEquals(
                "replay: 1,000 / 4,000 records (25.0%), 300 events written, 500 records/s, ETA 6s",
                progress.line(2 * SECOND));
        assertEquals(300, progress.eventsWritten());
        assertEquals(1, progress.eventsBeforeFrom());
    }

    @Test
    void offsetsSkippedByCompactionCountTowardsTheTotal() {
        ReplayProgress progress = new ReplayProgress(10, 0);
        progress.read(1);
        progress.read(9);
        assertEquals(2, progress.recordsRead());
        assertEquals("replay: 10 / 10 records (100.0%), 0 events written, 2 records/s, ETA 0s", progress.line(SECOND));
    }

    @Test
    void anEmptyHistoryIsComplete() {
        assertEquals(
                "replay: 0 / 0 records (100.0%), 0 events written, 0 records/s, ETA ?",
                new ReplayProgress(0, 0).line(SECOND));
    }

    @Test
    void formatsLongEtas() {
        assertEquals("59s", ReplayProgress.formatDuration(Duration.ofSeconds(59)));
        assertEquals("2m05s", ReplayProgress.formatDuration(Duration.ofSeconds(125)));
        assertEquals("3h02m", ReplayProgress.formatDuration(Duration.ofMinutes(182)));
    }

    @Test
    void summarisesAReplay() {
        ReplayResult result = new ReplayResult(100_000, 40_000, 2_000, 3, 0, Duration.ofSeconds(4));
        assertEquals(25_000, result.recordsPerSecond(), 1e-6);
        assertEquals(10_500, result.eventsPerSecond(), 1e-6);
        assertEquals(
                "replay: done: 100,000 records in 4.0 s (25,000 records/s); 40,000 events written, 2,000 before "
                        + "--from left out (10,500 events/s); 3 dead letters",
                Replayer.summary(result));
        ReplayResult open = new ReplayResult(10, 4, 0, 0, 2, Duration.ofSeconds(1));
        assertEquals(
                "replay: done: 10 records in 1.0 s (10 records/s); 4 events written (4 events/s); 0 dead letters; a "
                        + "transaction of 2 row(s) was still open at the end offset (its END not yet written): not emitted, as "
                        + "the live application has not yet either",
                Replayer.summary(open));
    }
}
