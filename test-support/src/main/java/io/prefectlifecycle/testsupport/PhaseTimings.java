package io.prefectlifecycle.testsupport;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Wall-clock time per phase of an integration test, printed as one table. */
public final class PhaseTimings {
    private final String test;
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private final long start = System.nanoTime();
    private long last = start;

    public PhaseTimings(String test) {
        this.test = test;
    }

    /** Ends the current phase, naming it. */
    public void lap(String phase) {
        long now = System.nanoTime();
        phases.merge(phase, Duration.ofNanos(now - last), Duration::plus);
        last = now;
    }

    public void print() {
        phases.forEach((phase, d) -> System.out.printf(Locale.ROOT, "%s %-52s %7d ms%n", test, phase, d.toMillis()));
        System.out.printf(
                Locale.ROOT,
                "%s %-52s %7d ms%n",
                test,
                "total",
                Duration.ofNanos(last - start).toMillis());
    }
}
