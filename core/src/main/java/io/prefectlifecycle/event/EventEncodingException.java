package io.prefectlifecycle.event;

/** An event that the chosen format cannot represent; the message names the event and field, never a value. */
public final class EventEncodingException extends RuntimeException {

    public EventEncodingException(String message) {
        super(message);
    }
}
