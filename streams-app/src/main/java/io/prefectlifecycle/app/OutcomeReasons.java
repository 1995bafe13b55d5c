package io.prefectlifecycle.app;

import io.prefectlifecycle.stream.Outcome;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The free-text reasons of skipped and dead-lettered records (they name tables, columns and ids), put into the
 * bounded sets of categories that label the metrics. The only place that reads those texts: the reasons come from
 * {@code cdc/ChangeDecoder}, {@code pipeline/LifecycleEngine}, {@code pipeline/TransactionalPipeline} and the kinds'
 * silences; {@code OutcomeReasonsTest} runs every golden case and fails on a reason that lands in {@code other}.
 */
public final class OutcomeReasons {

    private OutcomeReasons() {
    }

    /** Why a record produced no event: the {@code reason} of {@code prefect_cdc_ignored_records_total}. */
    public enum Ignored {
        TOMBSTONE(r -> r.equals("tombstone")),
        HEARTBEAT(r -> r.equals("heartbeat")),
        TRANSACTION_MARKER(r -> r.equals("transaction BEGIN") || r.equals("transaction END")),
        LOGICAL_MESSAGE(r -> r.equals("logical decoding message")),
        TRUNCATE(r -> r.equals("truncate")),
        UNMAPPED_TABLE(r -> r.startsWith("table not mapped")),
        SNAPSHOT_READ(r -> r.startsWith("snapshot read")),
        /** Prefect itself emits nothing for the change. */
        SILENT(r -> SILENCES.stream().anyMatch(r::startsWith)),
        /** A Prefect upgrade: its migration rewrote the row, and Prefect announces none of that. */
        UPGRADE(r -> r.startsWith("changed by the Prefect schema migration") || r.startsWith("Prefect schema migrated")),
        /** Debezium delivered the change again (same LSN) after a crash. */
        REDELIVERED(r -> r.startsWith("redelivered")),
        /** Another change of the row in the same transaction carries the event, or there is none to carry. */
        COALESCED(r -> r.startsWith("coalesced") || r.equals("created and deleted in one transaction")),
        OTHER(r -> true);

        private final Predicate<String> matches;

        Ignored(Predicate<String> matches) {
            this.matches = matches;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Ignored of(String reason) {
            for (Ignored category : values()) {
                if (category.matches.test(reason)) {
                    return category;
                }
            }
            return OTHER;
        }
    }

    /** What the kinds and the engine say when Prefect is silent (kinds' {@code KindResult.Silent}, cascades). */
    private static final List<String> SILENCES = List.of(
            "anonymous block document",
            "deployment-scoped concurrency limit",
            "slot churn",
            "active-slot bookkeeping",
            "block type override upsert",
            "block_type_name back-fill",
            "artifact collection updated in place",
            "lookup table ",
            "deleted by cascade",
            "no work-pool event field changed",
            "no work-queue event field changed",
            "priority renumbered",
            "no deployment event field changed",
            "deployment changed with `updated` kept");

    /** Why a record went to the dead-letter topic: the {@code reason} of {@code prefect_cdc_dead_letters_total}. */
    public enum DeadLetter {
        /** Not a Debezium change record (header {@code dlq.exception.class} = {@code MalformedRecord}). */
        MALFORMED_RECORD,
        /** A column missing or of the wrong shape ({@code RowFormatException}). */
        COLUMN_FORMAT,
        /** The change needs a row that was never captured: a delete of an unseen row, a document's unseen schema. */
        MISSING_STATE,
        /** No Fernet key, or a block document's token does not decrypt under it. */
        ENCRYPTION,
        /** Any other rule of a kind ({@code KindException}): an automation trigger or action this version lacks. */
        UNSUPPORTED_MODEL,
        /** A record or event larger than the app's {@code max.request.size}: dead-lettered without its bytes. */
        RECORD_TOO_LARGE,
        OTHER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static DeadLetter of(Outcome.DeadLetter dead) {
            String reason = dead.reason() == null ? "" : dead.reason();
            return switch (String.valueOf(dead.exceptionClass())) {
                case "MalformedRecord" -> MALFORMED_RECORD;
                case "RowFormatException" -> COLUMN_FORMAT;
                case "RecordTooLarge" -> RECORD_TOO_LARGE;
                case "KindException" -> {
                    if (reason.contains("never seen") || reason.contains("has not been seen")) {
                        yield MISSING_STATE;
                    }
                    String lower = reason.toLowerCase(Locale.ROOT);
                    yield lower.contains("encryption") || lower.contains("encrypted") || lower.contains("decrypt")
                            || lower.contains("fernet") ? ENCRYPTION : UNSUPPORTED_MODEL;
                }
                default -> OTHER;
            };
        }
    }
}
