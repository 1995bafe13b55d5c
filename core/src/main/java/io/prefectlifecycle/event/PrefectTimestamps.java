package io.prefectlifecycle.event;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prefect's timestamp text (spec §1.2) and Debezium's timestamp encodings.
 *
 * <p>Prefect writes UTC datetimes as {@code 2026-06-05T13:01:54.120000Z}: exactly six fraction digits
 * when the microsecond part is non-zero, none at all when it is zero ({@code 2026-06-05T13:01:54Z}).
 * Python datetimes hold microseconds and years 1 to 9999, so anything finer is truncated and anything
 * outside is rejected.
 */
public final class PrefectTimestamps {

    private static final Pattern ZONED_TIMESTAMP = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})T(\\d{2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,9}))?(Z|[+-]\\d{2}:\\d{2})");
    private static final String ZONED_TIMESTAMP_FORM = "yyyy-MM-ddTHH:mm:ss[.f{1,9}](Z|±HH:MM)";
    private static final long PYTHON_MIN_SECOND =
            LocalDateTime.of(1, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC);
    private static final long PYTHON_MAX_SECOND =
            LocalDateTime.of(9999, 12, 31, 23, 59, 59).toEpochSecond(ZoneOffset.UTC);

    private PrefectTimestamps() {}

    /** @throws IllegalArgumentException outside years 1 to 9999 (UTC), which Python cannot hold */
    public static String format(Instant t) {
        LocalDateTime utc = toPythonRange(t);
        StringBuilder out = new StringBuilder(27);
        pad(out, utc.getYear(), 4).append('-');
        pad(out, utc.getMonthValue(), 2).append('-');
        pad(out, utc.getDayOfMonth(), 2).append('T');
        pad(out, utc.getHour(), 2).append(':');
        pad(out, utc.getMinute(), 2).append(':');
        pad(out, utc.getSecond(), 2);
        int micros = utc.getNano() / 1000;
        if (micros != 0) {
            pad(out.append('.'), micros, 6);
        }
        return out.append('Z').toString();
    }

    /** Debezium {@code MicroTimestamp} (and the envelope's {@code ts_us}). */
    public static Instant fromEpochMicros(long us) {
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000L);
    }

    /**
     * Debezium {@code ZonedTimestamp} text: {@code 2026-06-05T13:01:54.123456Z}, 0 to 9 fraction digits,
     * {@code Z} or a {@code ±HH:MM} offset.
     *
     * @throws IllegalArgumentException for any other text, an impossible date or time, or a year
     *     outside 1 to 9999; the message does not repeat the text (it is a column value)
     */
    public static Instant parseDebezium(String s) {
        Instant common = parseCommonForm(s);
        if (common != null) {
            return common;
        }
        Matcher m = ZONED_TIMESTAMP.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a Debezium ZonedTimestamp (" + s.length() + " chars); expected " + ZONED_TIMESTAMP_FORM);
        }
        String fraction = m.group(7) == null ? "" : m.group(7);
        int nanos = fraction.isEmpty() ? 0 : Integer.parseInt((fraction + "00000000").substring(0, 9));
        Instant instant;
        try {
            instant = OffsetDateTime.of(
                            number(m, 1),
                            number(m, 2),
                            number(m, 3),
                            number(m, 4),
                            number(m, 5),
                            number(m, 6),
                            nanos,
                            ZoneOffset.of(m.group(8)))
                    .toInstant();
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    "ZonedTimestamp has an impossible date, time or offset: " + e.getMessage(), e);
        }
        toPythonRange(instant);
        return instant;
    }

    /**
     * What Debezium writes every time, {@code 2026-06-05T13:01:54[.f{1,9}]Z}, read without a regex (it is read for
     * every change); {@code null} for any other text, which {@link #parseDebezium} then reads in full.
     */
    private static Instant parseCommonForm(String s) {
        int n = s.length();
        if (n < 20
                || s.charAt(n - 1) != 'Z'
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            int fraction = n - 1 - 20; // digits between '.' and 'Z'
            if (s.charAt(19) != '.' || fraction < 1 || fraction > 9) {
                return null;
            }
            nanos = digits(s, 20, n - 1);
            for (int i = fraction; i < 9; i++) {
                nanos *= 10;
            }
        } else if (n != 20) {
            return null;
        }
        if (year < 1
                || month < 0
                || day < 0
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59
                || nanos < 0) {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(epochDay * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal number of {@code s[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String s, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static LocalDateTime toPythonRange(Instant t) {
        if (t.getEpochSecond() < PYTHON_MIN_SECOND || t.getEpochSecond() > PYTHON_MAX_SECOND) {
            throw new IllegalArgumentException(
                    "timestamp is outside years 1..9999 (UTC), the range of a Python datetime");
        }
        return LocalDateTime.ofInstant(t, ZoneOffset.UTC);
    }

    private static int number(Matcher m, int group) {
        return Integer.parseInt(m.group(group));
    }

    private static StringBuilder pad(StringBuilder out, int value, int width) {
        String digits = Integer.toString(value);
        return out.append("0".repeat(width - digits.length())).append(digits);
    }
}
