package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.IgnoredCategory;

import java.util.Objects;
import java.util.function.Function;

/** What a kind makes of a change: an event, or Prefect's silence with its category and reason. */
public sealed interface KindResult {

    /** Makes every caller handle both results (Java 17 has no pattern switch). */
    <R> R match(Function<Emit, R> emit, Function<Silent, R> silent);

    record Emit(EventDraft draft) implements KindResult {
        @Override
        public <R> R match(Function<Emit, R> emit, Function<Silent, R> silent) {
            return emit.apply(this);
        }
    }

    /** Mostly {@link IgnoredCategory#SILENT}; the tables that are not kinds say what they are. */
    record Silent(IgnoredCategory category, String reason) implements KindResult {
        public Silent {
            Objects.requireNonNull(category, "category");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public <R> R match(Function<Emit, R> emit, Function<Silent, R> silent) {
            return silent.apply(this);
        }
    }
}
