package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.IgnoredCategory;

/**
 * A table that emits nothing itself but whose rows other kinds look up ({@link ObjectKind#lookupTables()}):
 * {@code block_schema} (a document's capabilities and secret fields) and {@code configuration} (the Fernet key).
 */
public record LookupTable(String table) implements ObjectKind {

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        return new KindResult.Silent(IgnoredCategory.SILENT, "lookup table " + table + " emits nothing itself");
    }

    @Override
    public boolean emitsEvents() {
        return false;
    }
}
