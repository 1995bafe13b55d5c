package io.prefectlifecycle.kinds;

import java.util.List;
import java.util.Optional;

/**
 * One Prefect table and the lifecycle events Prefect emits for it. Adding a kind is one class implementing this
 * plus one line in {@link Kinds}; {@code KindsCompletenessTest} lists what else it needs (Avro schema, golden cases,
 * connector table list, DDL).
 */
public interface ObjectKind {

    /** The PostgreSQL table, as in Debezium's {@code source.table}. */
    String table();

    /**
     * The kind's name in the project's files: its Avro payload record {@code schemas/avro/payload-<name>.avsc} and its
     * golden cases {@code golden/<name>/}. By default the table, with dashes.
     */
    default String name() {
        return table().replace('_', '-');
    }

    /**
     * The other tables whose rows {@link #describe} reads ({@link Lookups#row}, {@link Lookups#encryptionKey()}'s
     * table, the {@link TransactionView}): they are captured with the kind. One that is no kind's own is registered as
     * a {@link LookupTable} ({@link Kinds#ALL}).
     */
    default List<String> lookupTables() {
        return List.of();
    }

    /**
     * The resource kind in the names of its events ({@code prefect.<kind>.created}, resource ids
     * {@code prefect.<kind>.<id>}): {@code block-document}. Empty for tables that emit no events.
     */
    default Optional<String> eventKind() {
        return Optional.empty();
    }

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
     * The rows of the same transaction whose events Prefect emits right before this row's, in that order: a new work
     * pool's default queue ({@code work-queue.created} before {@code work-pool.created}), a deleted pool's queues. The
     * engine emits their outcomes at this place instead of at their own (the order of the rows' first changes), and
     * leaves out rows the transaction did not change or whose outcome is already out. Asked once per row when the
     * transaction ends, with the change {@link #describe} gets; a row that cannot be read pulls nothing.
     */
    default List<RowRef> eventsBefore(RowChange change, Lookups lookups) {
        return List.of();
    }

    /**
     * Whether {@link #eventsBefore} can name any row: a kind that overrides it says so. The engine asks the others
     * nothing, so a large transaction of them does not read each row's state twice.
     */
    default boolean pullsEventsBefore() {
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
