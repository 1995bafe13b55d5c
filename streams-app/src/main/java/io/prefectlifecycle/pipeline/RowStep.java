package io.prefectlifecycle.pipeline;

import io.prefectlifecycle.cdc.ChangeRecord;
import io.prefectlifecycle.cdc.Row;
import io.prefectlifecycle.kinds.KindResult;
import io.prefectlifecycle.kinds.ObjectKind;

import java.util.List;

/**
 * One change applied to the row state, waiting to be turned into an event together with the other changes of its
 * transaction.
 *
 * @param source   the record it came from
 * @param change   the decoded change
 * @param kind     the row's kind
 * @param stateKey {@code <table>/<primary key>}
 * @param state    the complete row after the change (for a delete, the last state before it)
 * @param previous the row before the change, or {@code null} when unknown
 * @param asUpdate the kind's description of {@code state} as an update of {@code previous}, made when the change was
 *                 applied ({@code null} when it could not be made yet)
 * @param lookedUp the state keys of the other rows that description consulted
 */
public record RowStep(InputRecord source, ChangeRecord change, ObjectKind kind, String stateKey, Row state, Row previous,
                      KindResult asUpdate, List<String> lookedUp) {
}
