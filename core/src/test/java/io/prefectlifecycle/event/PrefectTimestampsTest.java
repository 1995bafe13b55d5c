package io.prefectlifecycle.event;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefectTimestampsTest {

    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds
    private static final long PYTHON_MIN_MICROS = -62_135_596_800_000_000L;
    private static final long PYTHON_MAX_MICROS = 253_402_300_799_999_999L;

    /** Expected texts are pydantic 2.13.4's model_dump_json of the same UTC datetimes. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "2026-06-05T13:01:54.120Z,         2026-06-05T13:01:54.120000Z",
        "2026-06-05T13:01:54Z,             2026-06-05T13:01:54Z",
        "2026-06-05T13:01:54.000001Z,      2026-06-05T13:01:54.000001Z",
        "2026-06-05T13:01:54.123456Z,      2026-06-05T13:01:54.123456Z",
        "2026-06-05T13:01:54.123456789Z,   2026-06-05T13:01:54.123456Z",
        "2026-06-05T13:01:54.000000999Z,   2026-06-05T13:01:54Z",
        "1970-01-01T00:00:00Z,             1970-01-01T00:00:00Z",
        "1969-12-31T23:59:59.999999Z,      1969-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:00Z,             0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999999Z,   9999-12-31T23:59:59.999999Z",
    })
    void formatsLikePrefect(String instant, String expected) {
        assertEquals(expected, PrefectTimestamps.format(Instant.parse(instant)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000-12-31T23:59:59.999999Z", "+10000-01-01T00:00:00Z"})
    void formatRejectsYearsPythonCannotHold(String instant) {
        assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.format(Instant.parse(instant)));
        assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.format(Instant.MIN));
        assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.format(Instant.MAX));
    }

    @Test
    void fromEpochMicros() {
        assertEquals(Instant.EPOCH, PrefectTimestamps.fromEpochMicros(0));
        assertEquals(
                Instant.parse("2026-06-05T13:01:54.123456Z"),
                PrefectTimestamps.fromEpochMicros(1_780_664_514_123_456L));
        assertEquals(Instant.parse("1969-12-31T23:59:59.999999Z"), PrefectTimestamps.fromEpochMicros(-1));
        assertEquals(Instant.parse("1969-12-31T23:59:58.999999Z"), PrefectTimestamps.fromEpochMicros(-1_000_001));
        assertEquals(
                Instant.ofEpochSecond(Long.MAX_VALUE / 1_000_000, 775_807_000),
                PrefectTimestamps.fromEpochMicros(Long.MAX_VALUE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "2026-06-05T13:01:55.5Z,           2026-06-05T13:01:55.500Z",
        "2026-06-05T13:01:54.123456Z,      2026-06-05T13:01:54.123456Z",
        "2026-06-05T13:01:54Z,             2026-06-05T13:01:54Z",
        "2026-06-05T13:01:54.1Z,           2026-06-05T13:01:54.1Z",
        "2026-06-05T13:01:54.12Z,          2026-06-05T13:01:54.12Z",
        "2026-06-05T13:01:54.123Z,         2026-06-05T13:01:54.123Z",
        "2026-06-05T13:01:54.1234Z,        2026-06-05T13:01:54.1234Z",
        "2026-06-05T13:01:54.12345Z,       2026-06-05T13:01:54.12345Z",
        "2026-06-05T13:01:54.1234567Z,     2026-06-05T13:01:54.1234567Z",
        "2026-06-05T13:01:54.12345678Z,    2026-06-05T13:01:54.12345678Z",
        "2026-06-05T13:01:54.123456789Z,   2026-06-05T13:01:54.123456789Z",
        "2026-06-05T13:01:54.000000001Z,   2026-06-05T13:01:54.000000001Z",
        "2026-06-05T13:01:54.123456+00:00, 2026-06-05T13:01:54.123456Z",
        "2026-06-05T13:01:54-00:00,        2026-06-05T13:01:54Z",
        "2026-06-05T15:01:54.5+02:00,      2026-06-05T13:01:54.5Z",
        "2026-06-05T08:31:54-04:30,        2026-06-05T13:01:54Z",
        "2024-02-29T00:00:00Z,             2024-02-29T00:00:00Z",
        "0999-01-01T00:00:00Z,             0999-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z,      9999-12-31T23:59:59.999999Z",
    })
    void parsesDebeziumZonedTimestamps(String text, String expected) {
        assertEquals(Instant.parse(expected), PrefectTimestamps.parseDebezium(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "garbage",
                "2026-06-05",
                "2026-06-05T13:01:54",
                "2026-06-05 13:01:54Z",
                "2026-06-05T13:01Z",
                "2026-06-05T13:01:54.Z",
                "2026-06-05T13:01:54.1234567890Z",
                "2026-06-05T13:01:54+0000",
                "2026-06-05T13:01:54+00",
                "2026-06-05T13:01:54z",
                "2026-6-5T13:01:54Z",
                " 2026-06-05T13:01:54Z",
                "2026-06-05T13:01:54Z ",
                "+10000-01-01T00:00:00Z",
                "-0001-01-01T00:00:00Z",
                "2026-06-05T13:01:54.12,3Z",
                "1780664514123456",
                "\u0662\u0660\u0662\u0666-06-05T13:01:54Z",
            })
    void rejectsOtherTextWithoutEchoingIt(String text) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.parseDebezium(text));
        assertTrue(e.getMessage().contains("ZonedTimestamp"), e.getMessage());
        if (text.length() > 3) {
            assertFalse(e.getMessage().contains(text.strip()), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
                "2026-06-05T24:00:00Z", "2026-06-05T13:60:00Z", "2026-06-05T13:01:60Z", "2026-06-05T13:01:54+19:00",
            })
    void rejectsImpossibleDatesAndTimes(String text) {
        assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.parseDebezium(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0000-06-05T13:01:54Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-02:00"})
    void rejectsYearsOutsidePythonsRange(String text) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.parseDebezium(text));
        assertTrue(e.getMessage().contains("1..9999"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertThrows(NullPointerException.class, () -> PrefectTimestamps.parseDebezium(null));
    }

    @Property(tries = 5_000)
    void formatThenParseIsTheMicrosecondInstant(
            @ForAll @LongRange(min = PYTHON_MIN_MICROS, max = PYTHON_MAX_MICROS) long micros) {
        Instant t = PrefectTimestamps.fromEpochMicros(micros);
        String text = PrefectTimestamps.format(t);
        assertEquals(t, PrefectTimestamps.parseDebezium(text));
        assertTrue(text.matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{6})?Z"), text);
        assertEquals(micros % 1_000_000 == 0, !text.contains("."), text);
    }

    /** Debezium's common form, read by the fast path, gives what java.time's parser gives, for any fraction length. */
    @Property(tries = 5_000)
    void everyFractionLengthOfTheCommonFormParsesAsJavaTimeDoes(
            @ForAll @LongRange(min = PYTHON_MIN_MICROS, max = PYTHON_MAX_MICROS) long micros,
            @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 9) int digits) {
        Instant t = PrefectTimestamps.fromEpochMicros(micros);
        String text = java.time.format.DateTimeFormatter.ofPattern(
                        "uuuu-MM-dd'T'HH:mm:ss" + (digits == 0 ? "" : "." + "S".repeat(digits)) + "'Z'")
                .withZone(java.time.ZoneOffset.UTC)
                .format(t);
        assertEquals(
                Instant.from(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text)),
                PrefectTimestamps.parseDebezium(text),
                text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "2026-02-30T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-06-05T24:00:00Z",
                "2026-06-05T13:60:00Z",
                "2026-06-05T13:01:61Z",
                "2026-06-05T13:01:54.Z",
                "2026-06-05T13:01:54.1234567890Z",
                "2026-06-05 13:01:54Z",
                "2026-06-05T13:01:5xZ"
            })
    void impossibleOrMalformedTextIsRefused(String text) {
        assertThrows(IllegalArgumentException.class, () -> PrefectTimestamps.parseDebezium(text));
    }
}
