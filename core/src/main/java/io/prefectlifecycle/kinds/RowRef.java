package io.prefectlifecycle.kinds;

/** A row named by its table and primary key, as {@link ObjectKind#eventsBefore} names the rows to emit first. */
public record RowRef(String table, String primaryKey) {}
