package io.prefectlifecycle.forward;

/** Why {@code forward} stops: one line for the operator (never a secret), exit status 1. */
public final class ForwardException extends RuntimeException {

    public ForwardException(String message) {
        super(message);
    }
}
