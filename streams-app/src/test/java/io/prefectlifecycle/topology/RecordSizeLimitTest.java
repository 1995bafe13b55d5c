package io.prefectlifecycle.topology;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordSizeLimitTest {

    @Test
    void kafkasDefaultUnlessTheProducerSettingRaisesIt() {
        assertEquals(1024 * 1024, RecordSizeLimit.from(Map.of()).maxRequestSize());
        assertEquals(
                8_000_000,
                RecordSizeLimit.from(Map.of("max.request.size", "8000000")).maxRequestSize());
        assertEquals(
                9_000_000,
                RecordSizeLimit.from(Map.of("max.request.size", 8_000_000, "producer.max.request.size", 9_000_000))
                        .maxRequestSize(),
                "the producer-prefixed setting wins");
    }

    @Test
    void keyAndValueMustLeaveTheHeadroom() {
        RecordSizeLimit limit = new RecordSizeLimit(RecordSizeLimit.HEADROOM + 100);
        assertTrue(limit.fits(new byte[40], new byte[60]));
        assertTrue(limit.fits(null, null));
        assertFalse(limit.fits(new byte[40], new byte[61]));
        assertFalse(limit.fits(null, new byte[101]));
    }
}
