package io.prefectlifecycle.stream;

import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.cdc.IgnoredCategory;
import io.prefectlifecycle.cdc.RowFormatException;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.kinds.KindException;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** What the pipeline made of one input record: exactly one of these. */
public sealed interface Outcome {

    /** Makes every caller handle every outcome (Java 17 has no pattern switch). */
    <R> R match(Function<Events, R> events, Function<Skipped, R> skipped, Function<DeadLetter, R> deadLetter);

    /** Events to publish, in order. */
    record Events(List<LifecycleEvent> events) implements Outcome {
        @Override
        public <R> R match(
                Function<Events, R> events, Function<Skipped, R> skipped, Function<DeadLetter, R> deadLetter) {
            return events.apply(this);
        }
    }

    /**
     * Nothing to publish: the category (Prefect is silent, tombstone, heartbeat, unmapped table, …) and a reason in
     * words, naming tables and columns, never values.
     */
    record Skipped(IgnoredCategory category, String reason) implements Outcome {
        public Skipped {
            Objects.requireNonNull(category, "category");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public <R> R match(
                Function<Events, R> events, Function<Skipped, R> skipped, Function<DeadLetter, R> deadLetter) {
            return skipped.apply(this);
        }
    }

    /**
     * The record cannot become an event: it goes to the dead-letter topic with the category and a reason in words
     * (header {@code dlq.reason}), naming tables and columns, never values.
     */
    record DeadLetter(DeadLetterCategory category, String reason) implements Outcome {
        public DeadLetter {
            Objects.requireNonNull(category, "category");
            Objects.requireNonNull(reason, "reason");
        }

        /** A row the kind cannot read: a column missing or of the wrong shape. */
        public static DeadLetter of(RowFormatException e) {
            return new DeadLetter(DeadLetterCategory.COLUMN_FORMAT, e.getMessage());
        }

        /** A change the kind cannot describe, in the category the kind gave. */
        public static DeadLetter of(KindException e) {
            return new DeadLetter(e.category(), e.getMessage());
        }

        /** The header {@code dlq.exception.class}. */
        public String exceptionClass() {
            return category.exceptionClass();
        }

        @Override
        public <R> R match(
                Function<Events, R> events, Function<Skipped, R> skipped, Function<DeadLetter, R> deadLetter) {
            return deadLetter.apply(this);
        }
    }
}
