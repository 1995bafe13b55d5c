package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.DeadLetterCategory;

import java.util.Objects;

/**
 * A change that cannot become an event (e.g. an undecryptable block document), and why, as a dead-letter category.
 * Never carries row values.
 */
public final class KindException extends RuntimeException {

    private final DeadLetterCategory category;

    public KindException(DeadLetterCategory category, String message) {
        super(message);
        this.category = Objects.requireNonNull(category, "category");
    }

    public DeadLetterCategory category() {
        return category;
    }
}
