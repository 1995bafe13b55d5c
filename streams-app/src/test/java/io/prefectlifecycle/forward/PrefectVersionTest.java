package io.prefectlifecycle.forward;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefectVersionTest {

    @Test
    void releasesCompareByTheirNumbersAndAPreReleaseOf374CountsAs374() {
        assertFalse(PrefectVersion.parse("3.7.3").atLeast(PrefectVersion.LIFECYCLE_EVENTS));
        assertFalse(PrefectVersion.parse("3.6.23").atLeast(PrefectVersion.LIFECYCLE_EVENTS));
        assertFalse(PrefectVersion.parse("2.20.16").atLeast(PrefectVersion.LIFECYCLE_EVENTS));
        for (String native374 :
                List.of("3.7.4", "3.7.4rc1", "3.7.4.dev3", "3.7.10", "3.8.4.dev6", "4.0.0", "3.7.4+12.g2a3b4c5")) {
            assertTrue(PrefectVersion.parse(native374).atLeast(PrefectVersion.LIFECYCLE_EVENTS), native374);
        }
        assertFalse(PrefectVersion.parse("2.16.8").atLeast(PrefectVersion.EVENTS_API));
        assertTrue(PrefectVersion.parse("2.16.9").atLeast(PrefectVersion.EVENTS_API));
        assertTrue(PrefectVersion.parse("3").atLeast(PrefectVersion.EVENTS_API));
        assertEquals(List.of(3, 8, 4), PrefectVersion.parse(" 3.8.4.dev6 ").release());
    }

    @Test
    void somethingElseIsNoVersion() {
        assertEquals(
                "'latest' is not a Prefect version",
                assertThrows(IllegalArgumentException.class, () -> PrefectVersion.parse("latest"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> PrefectVersion.parse(""));
        assertThrows(IllegalArgumentException.class, () -> PrefectVersion.parse("3.7.4 (dev)"));
    }
}
