package io.prefectlifecycle.stream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Row;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The row store's entries: the binary form round-trips, and entries earlier versions wrote are still read. */
class StoredRowTest {

    @Test
    void theBinaryFormRoundTrips() throws Exception {
        Row row = new Row(
                "block_document", (ObjectNode) Json.parse("{\"id\":\"d1\",\"data\":\"\\\"gAAA…\\\"\",\"n\":1.5}"));
        StoredRow stored = new StoredRow(123_456_789L, true, row, 42, 7);
        StoredRow read = StoredRow.fromBytes(stored.toBytes());
        assertEquals(stored.lsn(), read.lsn());
        assertEquals(stored.deleted(), read.deleted());
        assertEquals(stored.transaction(), read.transaction());
        assertEquals(stored.touch(), read.touch());
        assertEquals(row.table(), read.row().table());
        assertEquals(row.columns(), read.row().columns());
    }

    @Test
    void theJsonFormOfEarlierVersionsIsRead() {
        byte[] legacy = "{\"lsn\":77,\"deleted\":false,\"table\":\"variable\",\"row\":{\"id\":\"v1\",\"name\":\"x\"}}"
                .getBytes(StandardCharsets.UTF_8);
        StoredRow read = StoredRow.fromBytes(legacy);
        assertEquals(77, read.lsn());
        assertEquals("x", read.row().string("name"));
        assertEquals(-1, read.transaction(), "changed outside any transaction this version knows");
    }
}
