package io.prefectlifecycle.kinds;

import java.util.function.Function;

/** What a kind makes of a change: an event, or Prefect's silence with the reason. */
public sealed interface KindResult {

    /** Makes every caller handle both results (Java 17 has no pattern switch). */
    <R> R match(Function<Emit, R> emit, Function<Silent, R> silent);

    record Emit(EventDraft draft) implements KindResult {
        @Override
        public <R> R match(Function<Emit, R> emit, Function<Silent, R> silent) {
            return emit.apply(this);
        }
    }

    record Silent(String reason) implements KindResult {
        @Override
        public <R> R match(Function<Emit, R> emit, Function<Silent, R> silent) {
            return silent.apply(this);
        }
    }
}
