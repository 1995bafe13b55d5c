package io.prefectlifecycle.event;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventIdsTest {

    private static final long MAX_MILLIS = (1L << 48) - 1;

    /** Expected ids come from an independent Python rendering of the layout (hashlib + uuid.UUID(int=...)). */
    @Test
    void matchesTheReferenceLayout() {
        assertEquals(
                UUID.fromString("019e97e0-364b-7d08-8f67-c926477b679e"),
                EventIds.uuid7(1_780_664_514_123L, "variable:0f6f0d0e-5b1a-4b8f-9c3d-1e2f3a4b5c6d:created:0/123456"));
        assertEquals(UUID.fromString("00000000-0000-7cbb-b3b8-068ff17c7036"), EventIds.uuid7(0, "héllo 🌍"));
        assertEquals(UUID.fromString("ffffffff-ffff-7e3b-8311-0a63f070526b"), EventIds.uuid7(MAX_MILLIS, ""));
    }

    @Property(tries = 2_000)
    void versionVariantAndTimeBits(@ForAll @LongRange(min = 0, max = MAX_MILLIS) long millis, @ForAll String identity) {
        UUID id = EventIds.uuid7(millis, identity);
        assertEquals(7, id.version());
        assertEquals(2, id.variant());
        assertEquals(millis, id.getMostSignificantBits() >>> 16);
        assertEquals(id, EventIds.uuid7(millis, identity));
    }

    @Test
    void randomBitsDependOnlyOnTheIdentity() {
        UUID early = EventIds.uuid7(1, "flow:abc:created");
        UUID late = EventIds.uuid7(1_780_664_514_123L, "flow:abc:created");
        assertEquals(early.getMostSignificantBits() & 0xFFFF, late.getMostSignificantBits() & 0xFFFF);
        assertEquals(early.getLeastSignificantBits(), late.getLeastSignificantBits());
    }

    @Test
    void distinctIdentitiesGiveDistinctIds() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(EventIds.uuid7(1_780_664_514_123L, "block-document:" + i + ":updated"));
        }
        assertEquals(100_000, ids.size());
        assertNotEquals(EventIds.uuid7(5, "a"), EventIds.uuid7(5, "A"));
    }

    @Test
    void millisAreClampedTo48Bits() {
        assertEquals(0, EventIds.uuid7(-1, "x").getMostSignificantBits() >>> 16);
        assertEquals(0, EventIds.uuid7(Long.MIN_VALUE, "x").getMostSignificantBits() >>> 16);
        assertEquals(EventIds.uuid7(0, "x"), EventIds.uuid7(-42, "x"));
        assertEquals(MAX_MILLIS, EventIds.uuid7(Long.MAX_VALUE, "x").getMostSignificantBits() >>> 16);
        assertEquals(7, EventIds.uuid7(Long.MAX_VALUE, "x").version());
    }

    @Test
    void printsInPrefectsLowercaseForm() {
        String text = EventIds.uuid7(1_780_664_514_123L, "artifact-collection:k:updated")
                .toString();
        assertTrue(text.matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), text);
        assertTrue(text.startsWith("019e97e0-364b-7"), text);
    }

    @Test
    void rejectsNullIdentity() {
        assertThrows(NullPointerException.class, () -> EventIds.uuid7(0, null));
    }
}
