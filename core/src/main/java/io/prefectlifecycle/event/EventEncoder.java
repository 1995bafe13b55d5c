package io.prefectlifecycle.event;

/** Turns an event into the value bytes of its record on the events topic. */
@FunctionalInterface
public interface EventEncoder {

    /**
     * @throws EventEncodingException when this event cannot be written in the format (its source record becomes a
     *         dead letter)
     */
    byte[] encode(LifecycleEvent event);

    /**
     * Prefect's JSON ({@link LifecycleEvent#toJson()}). A value it cannot hold (a time outside Python's years 1 to
     * 9999, a JSON node with no JSON form) is an {@link EventEncodingException}: a dead letter, not a failed task.
     */
    EventEncoder JSON = event -> {
        try {
            return event.toJsonBytes();
        } catch (IllegalArgumentException e) {
            throw new EventEncodingException(event.event() + ": " + e.getMessage());
        }
    };
}
