package io.prefectlifecycle.stream;

import io.prefectlifecycle.event.LifecycleEvent;

import java.util.List;
import java.util.function.Function;

/** What the pipeline made of one input record: exactly one of these. */
public sealed interface Outcome {

    /** Makes every caller handle every outcome (Java 17 has no pattern switch). */
    <R> R match(Function<Events, R> events, Function<Skipped, R> skipped, Function<DeadLetter, R> deadLetter);

    /** Events to publish, in order. */
    record Events(List<LifecycleEvent> events) implements Outcome {
        @Override
        public <R> R match(Function<Events, R> events, Function<Skipped, R> skipped,
                           Function<DeadLetter, R> deadLetter) {
            return events.apply(this);
        }
    }

    /** Nothing to publish, for a stated reason (Prefect is silent, tombstone, heartbeat, unmapped table, …). */
    record Skipped(String reason) implements Outcome {
        @Override
        public <R> R match(Function<Events, R> events, Function<Skipped, R> skipped,
                           Function<DeadLetter, R> deadLetter) {
            return skipped.apply(this);
        }
    }

    /** The record cannot become an event: it goes to the dead-letter topic with the reason. */
    record DeadLetter(String reason, String exceptionClass) implements Outcome {
        @Override
        public <R> R match(Function<Events, R> events, Function<Skipped, R> skipped,
                           Function<DeadLetter, R> deadLetter) {
            return deadLetter.apply(this);
        }
    }
}
