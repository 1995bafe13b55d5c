package io.prefectlifecycle.it;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The WAL a replication slot holds back, sampled every half second from {@code pg_replication_slots}: how far the
 * current WAL position is ahead of the slot's {@code confirmed_flush_lsn} (what the consumer has confirmed) and of its
 * {@code restart_lsn} (what PostgreSQL must keep on disk).
 */
final class SlotLag implements AutoCloseable {
    private static final String QUERY = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
            + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
            + " FROM pg_replication_slots WHERE slot_name = ?";

    /** One sample: seconds since sampling began, bytes behind confirmed_flush_lsn and restart_lsn. */
    record Sample(double seconds, long confirmedLag, long retained) {}

    private final Connection db;
    private final String slot;
    private final long start = System.nanoTime();
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

    SlotLag(Connection db, String slot) {
        this.db = db;
        this.slot = slot;
        sampler.scheduleAtFixedRate(this::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    /** The current WAL position, in bytes from 0/0. */
    static long currentWal(Connection db) throws SQLException {
        try (var statement = db.createStatement();
                ResultSet rs = statement.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** The series, one sample per {@code everySeconds}, as {@code t=..s confirmed=..MB retained=..MB}. */
    String series(double everySeconds) {
        StringBuilder out = new StringBuilder();
        double next = 0;
        for (Sample s : samples()) {
            if (s.seconds() >= next) {
                out.append(String.format(
                        Locale.ROOT, " %.0fs:%.1f/%.1fMB", s.seconds(), mb(s.confirmedLag()), mb(s.retained())));
                next += everySeconds;
            }
        }
        return out.toString().trim();
    }

    static double mb(long bytes) {
        return bytes / 1_048_576.0;
    }

    @Override
    public void close() throws InterruptedException {
        sampler.shutdown();
        sampler.awaitTermination(10, TimeUnit.SECONDS);
    }

    private void sample() {
        try (PreparedStatement statement = db.prepareStatement(QUERY)) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    Sample sample = new Sample((System.nanoTime() - start) / 1e9, rs.getLong(1), rs.getLong(2));
                    synchronized (this) {
                        samples.add(sample);
                    }
                }
            }
        } catch (SQLException e) {
            System.err.println("SlotLag: sample failed: " + e);
        }
    }
}
