package io.prefectlifecycle.forward;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The meters of {@code forward}. In Prometheus' format:
 * <ul>
 *   <li>{@code prefect_cdc_forward_events_total{outcome}}: events read, by what became of them: {@code sent} (the
 *       server accepted them), {@code filtered} (not matching the filter), {@code dead_letter};</li>
 *   <li>{@code prefect_cdc_forward_requests_total{result}}: {@code POST /events} calls: {@code accepted},
 *       {@code server_error} (5xx, 408, 429: retried), {@code unreachable} (retried), {@code rejected} (another 4xx:
 *       the batch is split to find the event, which is dead-lettered);</li>
 *   <li>{@code prefect_cdc_forward_server_up}: 1 while the last call was answered, 0 while retrying;</li>
 *   <li>{@code prefect_cdc_forward_event_lag_seconds}: now − the event's {@code occurred} when the server accepted
 *       it, a histogram.</li>
 * </ul>
 */
final class ForwardMetrics {

    enum Outcome {
        sent,
        filtered,
        dead_letter
    }

    enum Result {
        accepted,
        server_error,
        unreachable,
        rejected
    }

    private static final Duration[] LAG_BUCKETS = {
        Duration.ofMillis(100),
        Duration.ofMillis(250),
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofMillis(2500),
        Duration.ofSeconds(5),
        Duration.ofSeconds(10),
        Duration.ofSeconds(30),
        Duration.ofMinutes(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(15),
        Duration.ofHours(1),
        Duration.ofHours(6),
        Duration.ofDays(1)
    };

    private final Clock clock;
    private final Map<Outcome, Counter> events = new EnumMap<>(Outcome.class);
    private final Map<Result, Counter> requests = new EnumMap<>(Result.class);
    private final AtomicInteger serverUp = new AtomicInteger(1);
    private final Timer lag;

    ForwardMetrics(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        // every label from zero, so that rates and alerts work before the first occurrence
        for (Outcome outcome : Outcome.values()) {
            events.put(
                    outcome,
                    Counter.builder("prefect.cdc.forward.events")
                            .tag("outcome", outcome.name())
                            .description("Events read from the events topic, by what became of them")
                            .register(registry));
        }
        for (Result result : Result.values()) {
            requests.put(
                    result,
                    Counter.builder("prefect.cdc.forward.requests")
                            .tag("result", result.name())
                            .description("POST /events calls to the Prefect server, by result")
                            .register(registry));
        }
        Gauge.builder("prefect.cdc.forward.server.up", serverUp, AtomicInteger::get)
                .description("1 while the Prefect server answers, 0 while forward retries")
                .register(registry);
        lag = Timer.builder("prefect.cdc.forward.event.lag")
                .description("Time from the event's occurred to the Prefect server accepting it")
                .serviceLevelObjectives(LAG_BUCKETS)
                .register(registry);
    }

    void events(Outcome outcome, int count) {
        events.get(outcome).increment(count);
    }

    void request(Result result) {
        requests.get(result).increment();
        serverUp(result != Result.unreachable && result != Result.server_error);
    }

    void serverUp(boolean up) {
        serverUp.set(up ? 1 : 0);
    }

    void accepted(Instant occurred) {
        Duration since = Duration.between(occurred, clock.instant());
        lag.record(since.isNegative() ? Duration.ZERO : since);
    }
}
