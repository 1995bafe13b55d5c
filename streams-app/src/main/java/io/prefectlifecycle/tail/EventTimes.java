package io.prefectlifecycle.tail;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Locale;

/** Times given on the command line ({@code --since}, {@code --until}, replay's {@code --from}). */
public final class EventTimes {

    /** {@code 2026-06-01}, {@code 2026-06-01T12:00}, {@code 2026-06-01T12:00:00.5Z}, {@code …+02:00}; else UTC. */
    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart()
            .appendLiteral('T')
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalEnd()
            .optionalStart()
            .appendOffsetId()
            .optionalEnd()
            .parseDefaulting(ChronoField.HOUR_OF_DAY, 0)
            .parseDefaulting(ChronoField.OFFSET_SECONDS, 0)
            .toFormatter(Locale.ROOT);

    private EventTimes() {}

    /** @throws IllegalArgumentException naming the accepted forms */
    public static Instant parse(String text) {
        try {
            return OffsetDateTime.parse(text.strip(), ISO).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not an ISO-8601 time (2026-06-01T00:00:00Z, "
                    + "2026-06-01T02:00:00+02:00, 2026-06-01T00:00 or 2026-06-01; without an offset it is UTC)");
        }
    }
}
