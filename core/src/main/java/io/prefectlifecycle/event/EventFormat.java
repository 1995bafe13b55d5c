package io.prefectlifecycle.event;

import java.util.Locale;

/** How events are written on the events topic ({@code event.format}). */
public enum EventFormat {
    /** Prefect's own bytes: {@link LifecycleEvent#toJson()}. */
    JSON,
    /** Avro with the schemas in {@code schemas/avro/}, in the Confluent wire format (docs/adr/0003). */
    AVRO;

    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException saying what is expected */
    public static EventFormat parse(String raw) {
        for (EventFormat format : values()) {
            if (format.value().equals(raw.toLowerCase(Locale.ROOT))) {
                return format;
            }
        }
        throw new IllegalArgumentException("must be json or avro");
    }
}
