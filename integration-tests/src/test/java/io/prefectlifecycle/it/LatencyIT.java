package io.prefectlifecycle.it;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.testsupport.AppUnderTest;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Commit-to-event latency, measured, not judged: single-row variable changes (an INSERT, then an UPDATE renaming it)
 * committed at a steady rate, each timed from the moment {@code COMMIT} returns in this JVM to the moment a
 * {@code read_committed} consumer of the events topic is handed its event (matched by the change's unique resource
 * name). Asserts only that every change produced its event. Each run gets a fresh stack.
 *
 * <p>By default one run with the shipped settings, then the same with a pass-through in the app's place (the change
 * stream copied to a topic with the app's own Streams properties): what Debezium, Kafka and exactly-once cost
 * without the app, for the ratio. {@code -Dlatency.sweep=settings|candidates} runs the comparisons of
 * {@link #sweep(String)} instead. {@code -Dlatency.changes}, {@code -Dlatency.warmup} and {@code -Dlatency.rate}
 * (changes per second; a list, {@code 1000,2000,5000}, runs each) size the runs; {@code -Dlatency.passthrough=false}
 * leaves the pass-through out.
 *
 * <p>The writer's session uses {@code synchronous_commit=on}, as a Prefect database does by default: the test
 * PostgreSQL runs with it off, and then logical decoding only sees a commit once the WAL writer flushes it (up to
 * {@code wal_writer_delay}, 200 ms, later).
 */
class LatencyIT {
    private static final int CHANGES = Integer.getInteger("latency.changes", 1000);
    private static final int WARMUP = Integer.getInteger("latency.warmup", 200);
    private static final List<Integer> RATES = Arrays.stream(
                    System.getProperty("latency.rate", "100").split(","))
            .map(String::trim)
            .map(Integer::parseInt)
            .toList();
    private static final String SWEEP = System.getProperty("latency.sweep", "");
    private static final boolean PASS_THROUGH =
            Boolean.parseBoolean(System.getProperty("latency.passthrough", Boolean.toString(SWEEP.isEmpty())));
    /** The change's name: the event's resource name and payload name, or the CDC record's {@code after.name}. */
    private static final Pattern LATENCY_NAME = Pattern.compile("\"name\":\"latency_(\\d+)_([wm])_(\\d+)\"");

    /**
     * One configuration: overrides of the connector's config (connect-config/prefect-connector.json), of the app's
     * Streams properties ({@link StreamsApp#properties}) and of the events reader's consumer; nothing = as shipped.
     *
     * @param synchronousCommit the writer session's {@code synchronous_commit}
     */
    record Tuning(
            String name,
            Map<String, String> connector,
            Map<String, Object> app,
            Map<String, Object> reader,
            boolean synchronousCommit) {

        static Tuning shipped() {
            return new Tuning("shipped", Map.of(), Map.of(), Map.of(), true);
        }

        Tuning named(String newName) {
            return new Tuning(newName, connector, app, reader, synchronousCommit);
        }

        Tuning connector(String key, int value) {
            return new Tuning(name, with(connector, key, Integer.toString(value)), app, reader, synchronousCommit);
        }

        Tuning app(String key, int value) {
            return new Tuning(name, connector, with(app, key, value), reader, synchronousCommit);
        }

        Tuning reader(String key, int value) {
            return new Tuning(name, connector, app, with(reader, key, value), synchronousCommit);
        }

        Tuning asyncCommit() {
            return new Tuning(name, connector, app, reader, false);
        }

        Tuning poll(int ms) {
            return connector("poll.interval.ms", ms);
        }

        Tuning commit(int ms) {
            return app(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, ms);
        }

        Tuning linger(int ms) {
            return app(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), ms);
        }

        Tuning appFetch(int ms) {
            return app(StreamsConfig.mainConsumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), ms);
        }

        Tuning readerFetch(int ms) {
            return reader(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, ms);
        }

        private static <V> Map<String, V> with(Map<String, V> map, String key, V value) {
            Map<String, V> copy = new LinkedHashMap<>(map);
            copy.put(key, value);
            return Map.copyOf(copy);
        }
    }

    /** {@code achievedRate}: the changes committed per second, which one writer may keep below the rate asked. */
    record Stats(int count, double p50, double p95, double p99, double max, double mean, double achievedRate) {
        static Stats of(double[] millis, long[] committedNanos) {
            double[] sorted = millis.clone();
            Arrays.sort(sorted);
            double seconds = (committedNanos[committedNanos.length - 1] - committedNanos[0]) / 1e9;
            return new Stats(
                    sorted.length,
                    rank(sorted, 0.50),
                    rank(sorted, 0.95),
                    rank(sorted, 0.99),
                    sorted[sorted.length - 1],
                    Arrays.stream(sorted).average().orElse(Double.NaN),
                    seconds > 0 ? (committedNanos.length - 1) / seconds : Double.NaN);
        }

        /** Nearest rank. */
        private static double rank(double[] sorted, double q) {
            return sorted[Math.max(0, (int) Math.ceil(q * sorted.length) - 1)];
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "n=%d p50=%.1f p95=%.1f p99=%.1f max=%.1f mean=%.1f ms, " + "committed at %.0f changes/s",
                    count,
                    p50,
                    p95,
                    p99,
                    max,
                    mean,
                    achievedRate);
        }
    }

    /**
     * {@code settings}: each setting alone, from the values before tuning (poll.interval.ms 50, commit.interval.ms
     * 100), then together. {@code candidates}: the candidate combinations twice, interleaved, to see the run-to-run
     * noise.
     */
    static List<Tuning> sweep(String which) {
        Tuning before = Tuning.shipped()
                .named("before tuning: poll 50, commit 100")
                .poll(50)
                .commit(100);
        return switch (which) {
            case "settings" ->
                List.of(
                        before,
                        before.named("reader fetch.max.wait.ms=10").readerFetch(10),
                        before.named("app fetch.max.wait.ms=10").appFetch(10),
                        before.named("poll.interval.ms=10").poll(10),
                        before.named("commit.interval.ms=50").commit(50),
                        before.named("commit.interval.ms=20").commit(20),
                        before.named("linger.ms=0").linger(0),
                        before.named("writer synchronous_commit=off").asyncCommit(),
                        before.named("poll 10, commit 20, linger 0, fetch 10/10")
                                .poll(10)
                                .commit(20)
                                .linger(0)
                                .appFetch(10)
                                .readerFetch(10),
                        Tuning.shipped());
            case "candidates" -> {
                List<Tuning> candidates = List.of(
                        before,
                        before.named("poll 10").poll(10),
                        before.named("poll 10, commit 50").poll(10).commit(50),
                        before.named("poll 10, commit 20").poll(10).commit(20),
                        before.named("poll 10, commit 20, linger 0")
                                .poll(10)
                                .commit(20)
                                .linger(0));
                List<Tuning> twice = new ArrayList<>(candidates);
                twice.addAll(candidates);
                yield twice;
            }
            default -> throw new IllegalArgumentException("-Dlatency.sweep=settings|candidates, not " + which);
        };
    }

    @Test
    void commitToEventLatency() throws Exception {
        PhaseTimings timings = new PhaseTimings("LatencyIT");
        List<Tuning> tunings = SWEEP.isEmpty() ? List.of(Tuning.shipped()) : sweep(SWEEP);
        Map<String, Stats> results = new LinkedHashMap<>();
        ConnectorDefinition shippedConnector = ConnectorDefinition.load();
        TopologySettings settings = TopologySettings.defaults();
        List<Boolean> targets = PASS_THROUGH ? List.of(false, true) : List.of(false);
        int run = 0;
        try {
            for (int rate : RATES) {
                for (Tuning tuning : tunings) {
                    for (boolean passThrough : targets) {
                        String name = tuning.name() + (passThrough ? ", pass-through" : "") + " at " + rate + "/s";
                        // a fresh stack per run: no connector restart, no earlier runs' history to replay
                        try (LocalStack stack = LocalStack.start()) {
                            timings.lap("runs: stack start");
                            Map<String, String> config = new LinkedHashMap<>(shippedConnector.config());
                            config.putAll(tuning.connector());
                            stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
                            stack.connect()
                                    .registerConnector(
                                            new ConnectorDefinition(shippedConnector.name(), config),
                                            stack.postgres().coordinates(),
                                            Duration.ofSeconds(60));
                            System.out.printf(
                                    Locale.ROOT,
                                    "LatencyIT run %d '%s': %s%n",
                                    run,
                                    name,
                                    effectiveSettings(config, tuning, stack.bootstrapServers()));
                            timings.lap("runs: connector RUNNING");
                            Stats stats = measure(stack, run, tuning, settings, passThrough, rate, timings);
                            results.put(run + " " + name, stats);
                            System.out.printf(Locale.ROOT, "LatencyIT run %d '%s': %s%n", run, name, stats);
                        }
                        timings.lap("runs: stack closed");
                        run++;
                    }
                }
            }
        } finally {
            System.out.printf(
                    Locale.ROOT, "LatencyIT commit -> event visible (read_committed), %d changes per run%n", CHANGES);
            results.forEach((name, stats) -> System.out.printf(Locale.ROOT, "LatencyIT   %-58s %s%n", name, stats));
            timings.print();
        }
    }

    /** @param passThrough whether a pass-through stands in for the app: its copies of the changes are timed instead */
    private static Stats measure(
            LocalStack stack,
            int run,
            Tuning tuning,
            TopologySettings settings,
            boolean passThrough,
            int rate,
            PhaseTimings timings)
            throws Exception {
        try (AppUnderTest app = passThrough
                        ? AppUnderTest.passThrough(
                                stack.bootstrapServers(), stack.cdcTopic(), settings.eventsTopic(), tuning.app())
                        : AppUnderTest.start(stack.bootstrapServers(), settings, tuning.app());
                EventWatcher watcher = new EventWatcher(
                        stack.bootstrapServers(), settings.eventsTopic(), run, tuning.reader(), !passThrough);
                Connection db = stack.postgres().connect()) {
            app.awaitRunning(Duration.ofSeconds(60));
            try (Statement s = db.createStatement()) {
                s.execute("SET synchronous_commit = " + (tuning.synchronousCommit() ? "on" : "off"));
            }
            timings.lap("runs: app RUNNING");
            // JIT, first fetches, first transactions: not measured
            commitPaced(db, run, 'w', WARMUP, rate, watcher);
            timings.lap("runs: warm-up");
            long[] committed = commitPaced(db, run, 'm', CHANGES, rate, watcher);
            timings.lap("runs: measured changes");
            assertEquals(List.of(), List.copyOf(watcher.mismatches), "events of the wrong kind");
            double[] millis = new double[CHANGES];
            for (int i = 0; i < CHANGES; i++) {
                millis[i] = (watcher.seen('m', i) - committed[i]) / 1e6;
            }
            return Stats.of(millis, committed);
        }
    }

    /**
     * Commits {@code count} single-row changes at {@code rate} per second (even i: INSERT of variable
     * {@code latency_<run>_<phase>_<i>}; odd i: UPDATE of the one before, renamed to its own name) and waits until
     * each has its event; returns the nanoTime at which each COMMIT returned.
     */
    private static long[] commitPaced(Connection db, int run, char phase, int count, int rate, EventWatcher watcher) {
        watcher.expect(phase, count);
        long[] committed = new long[count];
        UUID[] ids = new UUID[(count + 1) / 2];
        Arrays.setAll(ids, i -> UUID.randomUUID());
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Exception> failure = new AtomicReference<>();
        ScheduledExecutorService writer =
                Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "latency-writer"));
        try {
            db.setAutoCommit(false);
            writer.scheduleAtFixedRate(
                    () -> {
                        int i = next.get();
                        if (i >= count || failure.get() != null) {
                            return;
                        }
                        String name = "latency_" + run + "_" + phase + "_" + i;
                        try {
                            if (i % 2 == 0) {
                                update(
                                        db,
                                        "INSERT INTO variable (name, value, tags, id) VALUES (?, ?::jsonb, '[]'::jsonb, ?)",
                                        name,
                                        Integer.toString(i),
                                        ids[i / 2]);
                            } else {
                                update(
                                        db,
                                        "UPDATE variable SET name = ?, value = ?::jsonb, updated = now() WHERE id = ?",
                                        name,
                                        Integer.toString(i),
                                        ids[i / 2]);
                            }
                            db.commit();
                            committed[i] = System.nanoTime();
                            next.incrementAndGet();
                        } catch (SQLException | RuntimeException e) {
                            failure.set(e);
                        }
                    },
                    0,
                    1_000_000L / rate,
                    TimeUnit.MICROSECONDS);
            await(count + " changes committed and their events read")
                    .atMost(Duration.ofSeconds(count / rate + 120))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        if (failure.get() != null) {
                            throw new IllegalStateException("writer failed", failure.get());
                        }
                        return next.get() == count && watcher.missing(phase, count) == 0;
                    });
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } finally {
            writer.shutdownNow();
        }
        // the writer thread's writes to committed[] happen-before next.incrementAndGet(), read above
        return committed;
    }

    private static void update(Connection db, String sql, String name, String valueJson, UUID id) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            statement.setString(1, name);
            statement.setString(2, valueJson);
            statement.setObject(3, id);
            statement.executeUpdate();
        }
    }

    /** What the run actually uses, as Kafka resolves it. */
    private static String effectiveSettings(Map<String, String> connector, Tuning tuning, String bootstrapServers) {
        Properties props = StreamsApp.properties(bootstrapServers, "latency-probe", Path.of("/tmp/latency-probe"));
        props.putAll(tuning.app());
        StreamsConfig streams = new StreamsConfig(props);
        Map<String, Object> producer = streams.getProducerConfigs("probe");
        Map<String, Object> consumer = streams.getMainConsumerConfigs("latency-probe", "probe", 0);
        return String.format(
                Locale.ROOT,
                "poll.interval.ms=%s commit.interval.ms=%s "
                        + "linger.ms=%s app fetch.max.wait.ms=%s reader fetch.max.wait.ms=%s synchronous_commit=%s",
                connector.get("poll.interval.ms"),
                streams.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG),
                producer.get(ProducerConfig.LINGER_MS_CONFIG),
                consumer.getOrDefault(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500 (default)"),
                tuning.reader().getOrDefault(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "500 (default)"),
                tuning.synchronousCommit() ? "on" : "off");
    }

    /** A read_committed reader on its own thread, noting when each latency change's event is handed over. */
    private static final class EventWatcher implements AutoCloseable {
        private final int run;
        private final boolean events;
        private final Thread thread;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Map<Character, AtomicLongArray> seen = new HashMap<>();
        final ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
        private volatile boolean stopped;

        /** @param events whether the topic holds the app's events (their kind is checked) or copied CDC records */
        EventWatcher(String bootstrapServers, String topic, int run, Map<String, Object> overrides, boolean events) {
            this.run = run;
            this.events = events;
            seen.put('w', new AtomicLongArray(WARMUP));
            seen.put('m', new AtomicLongArray(CHANGES));
            CommittedRecords records = new CommittedRecords(bootstrapServers, topic, overrides);
            thread = new Thread(
                    () -> {
                        try (records) {
                            while (!stopped) {
                                for (Received r : records.poll(Duration.ofMillis(100))) {
                                    note(r);
                                }
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    },
                    "latency-reader-" + run);
            thread.setDaemon(true);
            thread.start();
        }

        void expect(char phase, int count) {
            if (seen.get(phase).length() != count) {
                throw new IllegalArgumentException(phase + ": " + count);
            }
        }

        private void note(Received r) {
            Matcher m = LATENCY_NAME.matcher(r.value());
            if (!m.find() || Integer.parseInt(m.group(1)) != run) {
                return;
            }
            char phase = m.group(2).charAt(0);
            int i = Integer.parseInt(m.group(3));
            String expected = i % 2 == 0 ? "prefect.variable.created" : "prefect.variable.updated";
            if (events && !expected.equals(r.header("prefect.event"))) {
                mismatches.add(m.group() + ": " + r.header("prefect.event"));
            }
            seen.get(phase).compareAndSet(i, 0, r.receivedNanos());
        }

        long seen(char phase, int i) {
            return seen.get(phase).get(i);
        }

        int missing(char phase, int count) {
            if (failure.get() != null) {
                throw new IllegalStateException("reader failed", failure.get());
            }
            int missing = 0;
            for (int i = 0; i < count; i++) {
                missing += seen(phase, i) == 0 ? 1 : 0;
            }
            return missing;
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join(10_000);
        }
    }
}
