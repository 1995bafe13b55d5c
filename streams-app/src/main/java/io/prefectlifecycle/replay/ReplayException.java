package io.prefectlifecycle.replay;

/** A replay that cannot start or had to stop, with a message for the operator. */
public final class ReplayException extends Exception {

    public ReplayException(String message) {
        super(message);
    }

    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
