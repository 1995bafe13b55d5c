package io.prefectlifecycle.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.topology.PipelineMetrics;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipeline's meters, each with the label {@code source} (the source's name; {@code prefect} without
 * {@code sources}). In Prometheus' format:
 * <ul>
 *   <li>{@code prefect_cdc_events_total{source,kind,action}}: events written ({@code kind} as in the event name,
 *       {@code block-document}; {@code action} {@code created|updated|deleted});</li>
 *   <li>{@code prefect_cdc_dead_letters_total{source,reason}}: records dead-lettered, by
 *       {@link DeadLetterCategory};</li>
 *   <li>{@code prefect_cdc_ignored_records_total{source,reason}}: records that produced no event, by
 *       {@link IgnoredCategory};</li>
 *   <li>{@code prefect_cdc_open_transaction_rows{source}} and {@code prefect_cdc_open_transaction_age_seconds{source}}:
 *       the transaction being read (rows it changed so far, how long since its first change was read); a growing age
 *       means its END is held up upstream; 0 on an instance that does not run the source's task;</li>
 *   <li>{@code prefect_cdc_event_lag_seconds{source}}: now − the event's {@code occurred} (the commit time) when the
 *       event is written, a histogram.</li>
 * </ul>
 * A source's meters appear, every reason from zero, when its task first starts on this instance. Counted when
 * processed: records re-processed after a crash or a rebalance count again.
 */
public final class MicrometerPipelineMetrics implements PipelineMetrics {

    static final String EVENTS = "prefect.cdc.events";
    static final String DEAD_LETTERS = "prefect.cdc.dead.letters";
    static final String IGNORED = "prefect.cdc.ignored.records";
    static final String OPEN_ROWS = "prefect.cdc.open.transaction.rows";
    static final String OPEN_AGE = "prefect.cdc.open.transaction.age";
    static final String LAG = "prefect.cdc.event.lag";
    static final String SOURCE = "source";

    private static final Duration[] LAG_BUCKETS = {
        Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
        Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
        Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1)
    };

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, SourceMeters> sources = new ConcurrentHashMap<>();

    public MicrometerPipelineMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** The meters of one source, registered (every reason from zero) on first use. */
    @Override
    public PipelineMetrics forSource(String source) {
        return sources.computeIfAbsent(source, SourceMeters::new);
    }

    private final class SourceMeters implements PipelineMetrics {
        private final String source;
        private final Map<String, Counter> events = new ConcurrentHashMap<>();
        private final Map<IgnoredCategory, Counter> ignored = new EnumMap<>(IgnoredCategory.class);
        private final Map<DeadLetterCategory, Counter> deadLetters = new EnumMap<>(DeadLetterCategory.class);
        private final AtomicLong openRows = new AtomicLong();
        private final AtomicLong openSince = new AtomicLong();
        private final Timer lag;

        SourceMeters(String source) {
            this.source = source;
            // every category from zero, so that rates and alerts work before the first occurrence
            for (IgnoredCategory reason : IgnoredCategory.values()) {
                ignored.put(
                        reason,
                        Counter.builder(IGNORED)
                                .tag(SOURCE, source)
                                .tag("reason", reason.label())
                                .description("CDC records that produced no event, by reason")
                                .register(registry));
            }
            for (DeadLetterCategory reason : DeadLetterCategory.values()) {
                deadLetters.put(
                        reason,
                        Counter.builder(DEAD_LETTERS)
                                .tag(SOURCE, source)
                                .tag("reason", reason.label())
                                .description("CDC records written to the dead-letter topic, by reason")
                                .register(registry));
            }
            Gauge.builder(OPEN_ROWS, openRows, AtomicLong::get)
                    .tag(SOURCE, source)
                    .description("Rows changed so far by the transaction being read (0 when none is open)")
                    .register(registry);
            Gauge.builder(OPEN_AGE, this, SourceMeters::openTransactionAge)
                    .tag(SOURCE, source)
                    .baseUnit("seconds")
                    .description("How long the transaction being read has been open, since this instance read its "
                            + "first change (0 when none is open): it grows only while a transaction's END has not "
                            + "arrived")
                    .register(registry);
            this.lag = Timer.builder(LAG)
                    .tag(SOURCE, source)
                    .description("Time from the commit in PostgreSQL (the event's occurred) to the event being written")
                    .serviceLevelObjectives(LAG_BUCKETS)
                    .register(registry);
        }

        @Override
        public void outcome(Emission emission) {
            emission.outcome()
                    .match(
                            written -> {
                                written.events().forEach(this::event);
                                return null;
                            },
                            skipped -> {
                                ignored.get(skipped.category()).increment();
                                return null;
                            },
                            dead -> {
                                deadLetters.get(dead.category()).increment();
                                return null;
                            });
        }

        @Override
        public void openTransaction(long rows, long openSinceMillis) {
            openRows.set(rows);
            openSince.set(openSinceMillis);
        }

        /** Seconds since the open transaction was first seen open, 0 when none is. */
        private double openTransactionAge() {
            long since = openSince.get();
            return since == 0 ? 0 : Math.max(0, clock.millis() - since) / 1000.0;
        }

        private void event(LifecycleEvent event) {
            events.computeIfAbsent(event.event(), this::eventCounter).increment();
            Duration sinceCommit = Duration.between(event.occurred(), clock.instant());
            lag.record(sinceCommit.isNegative() ? Duration.ZERO : sinceCommit);
        }

        /** {@code prefect.<kind>.<action>}: kinds and actions are a closed set, so the labels are bounded. */
        private Counter eventCounter(String eventName) {
            int lastDot = eventName.lastIndexOf('.');
            int firstDot = eventName.indexOf('.');
            String kind = firstDot < lastDot ? eventName.substring(firstDot + 1, lastDot) : "unknown";
            String action = lastDot >= 0 ? eventName.substring(lastDot + 1) : "unknown";
            return Counter.builder(EVENTS)
                    .tag(SOURCE, source)
                    .tag("kind", kind)
                    .tag("action", action)
                    .description("Prefect lifecycle events written, by kind and action")
                    .register(registry);
        }
    }
}
