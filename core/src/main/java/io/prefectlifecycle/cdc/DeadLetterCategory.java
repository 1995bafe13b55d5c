package io.prefectlifecycle.cdc;

import java.util.Locale;

/**
 * Why a record went to the dead-letter topic. Set where the decision is made (the decoder, the row, a kind's
 * exception, the size and format checks of the output); {@link #label()} is the {@code reason} of the metric
 * {@code prefect_cdc_dead_letters_total} and the header {@code dlq.category}, {@link #exceptionClass()} the header
 * {@code dlq.exception.class}.
 */
public enum DeadLetterCategory {
    /** Not a Debezium change record. */
    MALFORMED_RECORD("MalformedRecord"),
    /** A column missing or of the wrong shape ({@link RowFormatException}). */
    COLUMN_FORMAT("RowFormatException"),
    /** The change needs a row that was never captured: a delete of an unseen row, a document's unseen schema. */
    MISSING_STATE("KindException"),
    /** No Fernet key, or a block document's token does not decrypt under it. */
    ENCRYPTION("KindException"),
    /** Any other rule of a kind: an automation trigger or action this version lacks. */
    UNSUPPORTED_MODEL("KindException"),
    /** A record or event larger than the app's {@code max.request.size}: dead-lettered without its bytes. */
    RECORD_TOO_LARGE("RecordTooLarge"),
    /** The event does not fit the event format ({@code avro}: the schemas in {@code schemas/avro/}). */
    EVENT_ENCODING("EventEncodingException");

    private final String exceptionClass;

    DeadLetterCategory(String exceptionClass) {
        this.exceptionClass = exceptionClass;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The header {@code dlq.exception.class}, as it has always been written (the class that said no). */
    public String exceptionClass() {
        return exceptionClass;
    }
}
