package io.prefectlifecycle.kinds;

import io.prefectlifecycle.cdc.IgnoredCategory;

/**
 * Prefect's {@code alembic_version}: the revision its database schema is at. Alembic updates it in the transaction of
 * each migration, after the migration's own changes, so a transaction that changes it is an upgrade of Prefect, and
 * Prefect announces none of the rows an upgrade rewrites ({@code ChangeStream} keeps them silent).
 */
public record SchemaVersionTable(String table) implements ObjectKind {

    /** The column holding the revision. */
    public static final String REVISION = "version_num";

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        return new KindResult.Silent(
                IgnoredCategory.UPGRADE,
                "Prefect schema migrated to " + change.row().string(REVISION));
    }

    @Override
    public boolean emitsEvents() {
        return false;
    }
}
