package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.Row;

/**
 * A change a kind turns into an event.
 *
 * @param action   what Prefect would report
 * @param row      the complete row the event describes: the new state, or for a delete the last state before it
 * @param previous the row's state before this change when known (for updates), else {@code null}
 */
public record RowChange(Action action, Row row, Row previous) {
}
