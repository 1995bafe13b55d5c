package io.prefectlifecycle.tail;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecentIdsTest {

    @Test
    void anIdIsFirstSeenOnceWithinTheWindow() {
        RecentIds ids = new RecentIds(3);
        assertTrue(ids.firstSeen("a"));
        assertFalse(ids.firstSeen("a"));
        assertTrue(ids.firstSeen("b"));
        assertFalse(ids.firstSeen("a"));
    }

    @Test
    void theLeastRecentlySeenIdIsForgottenFirst() {
        RecentIds ids = new RecentIds(2);
        ids.firstSeen("a");
        ids.firstSeen("b");
        ids.firstSeen("a"); // a is now the most recent
        ids.firstSeen("c"); // evicts b
        assertEquals(2, ids.size());
        assertFalse(ids.firstSeen("a"));
        assertTrue(ids.firstSeen("b"), "b was evicted");
    }

    @Test
    void windowZeroKeepsNothing() {
        RecentIds ids = new RecentIds(0);
        assertTrue(ids.firstSeen("a"));
        assertTrue(ids.firstSeen("a"));
        assertEquals(0, ids.size());
        assertThrows(IllegalArgumentException.class, () -> new RecentIds(-1));
    }
}
