package io.prefectlifecycle.bench;

import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.stream.InputRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The naive floor the transformation is measured against: each record's value parsed into a Jackson tree and written
 * back as bytes, with the project's one JSON mapper. No state, no decisions.
 */
public final class JacksonBaseline {

    private JacksonBaseline() {}

    /** @return the bytes written, so that nothing is optimised away */
    public static long run(List<InputRecord> records) {
        long bytes = 0;
        for (InputRecord record : records) {
            bytes += roundTrip(record.value()).length;
        }
        return bytes;
    }

    /** One value parsed into a tree and written back ({@code null}, a tombstone, stays {@code null}). */
    public static byte[] roundTrip(byte[] value) {
        if (value == null) {
            return null;
        }
        try {
            return Json.MAPPER.writeValueAsBytes(Json.MAPPER.readTree(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
