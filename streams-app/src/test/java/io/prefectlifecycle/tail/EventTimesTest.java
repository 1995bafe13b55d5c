package io.prefectlifecycle.tail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventTimesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "2026-06-05T13:01:54.123456Z,   2026-06-05T13:01:54.123456Z",
        "2026-06-05T13:01:54Z,          2026-06-05T13:01:54Z",
        "2026-06-05T15:01:54+02:00,     2026-06-05T13:01:54Z",
        "2026-06-05T13:01:54,           2026-06-05T13:01:54Z",
        "2026-06-05T13:01,              2026-06-05T13:01:00Z",
        "2026-06-05,                    2026-06-05T00:00:00Z",
        "' 2026-06-05T13:01:54Z ',      2026-06-05T13:01:54Z",
    })
    void acceptsIsoForms(String text, String expected) {
        assertEquals(Instant.parse(expected), EventTimes.parse(text));
    }

    @Test
    void rejectsOthersNamingTheAcceptedForms() {
        for (String bad : new String[] {"yesterday", "2026-06-05 13:01", "1749128514", "2026-13-01", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventTimes.parse(bad), bad);
            assertTrue(e.getMessage().contains("2026-06-01T00:00:00Z"), e.getMessage());
        }
    }
}
