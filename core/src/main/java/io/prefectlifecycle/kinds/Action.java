package io.prefectlifecycle.kinds;

import java.util.Locale;

/** The lifecycle action an event reports: the last segment of {@code prefect.<kind>.<action>}. */
public enum Action {
    CREATED,
    UPDATED,
    DELETED;

    public String eventSuffix() {
        return name().toLowerCase(Locale.ROOT);
    }
}
