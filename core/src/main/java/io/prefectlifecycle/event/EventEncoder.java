package io.prefectlifecycle.event;

/** Turns an event into the value bytes of its record on the events topic. */
@FunctionalInterface
public interface EventEncoder {

    /**
     * @throws EventEncodingException when this event cannot be written in the format (its source record becomes a
     *         dead letter)
     */
    byte[] encode(LifecycleEvent event);

    EventEncoder JSON = LifecycleEvent::toJsonBytes;
}
