package io.prefectlifecycle.kinds;

/**
 * One Prefect table and the lifecycle events Prefect emits for it. Adding a kind is one class implementing this
 * plus one line in {@link Kinds#ALL}.
 */
public interface ObjectKind {

    /** The PostgreSQL table, as in Debezium's {@code source.table}. */
    String table();

    /**
     * Builds the event Prefect would emit for the change, or says why Prefect stays silent.
     *
     * @throws io.prefectlifecycle.cdc.RowFormatException when a column has the wrong shape
     * @throws KindException                              when the change cannot become an event
     */
    KindResult describe(RowChange change, Lookups lookups);

    /**
     * Whether {@link #describe} looks at {@link RowChange#action()}. A kind that does not lets the engine reuse the
     * description it makes when a change is applied (as an update) for the change's event, whatever its action.
     */
    default boolean dependsOnAction() {
        return false;
    }

    /**
     * Whether the kind's rows become events. Their rows must have a readable {@code created} column (a snapshot
     * read's event occurs then); a table that is only looked up, or only marks transactions, need not.
     */
    default boolean emitsEvents() {
        return true;
    }
}
