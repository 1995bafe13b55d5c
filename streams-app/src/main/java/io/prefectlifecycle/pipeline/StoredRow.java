package io.prefectlifecycle.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.cdc.Row;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A row as last seen, with the LSN of the change that produced it. A deleted row is kept as a marker so that a
 * redelivered change older than the delete is still recognised.
 *
 * @param lsn     LSN of the last change applied ({@code -1} when the record had none)
 * @param deleted whether the last change was a delete
 * @param row     the full row (for a delete, the state before it)
 */
public record StoredRow(long lsn, boolean deleted, Row row) {

    public byte[] toBytes() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("lsn", lsn);
        node.put("deleted", deleted);
        node.put("table", row.table());
        node.set("row", row.columns());
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static StoredRow fromBytes(byte[] bytes) {
        try {
            JsonNode node = Json.MAPPER.readTree(bytes);
            Row row = new Row(node.get("table").textValue(), (ObjectNode) node.get("row"));
            return new StoredRow(node.get("lsn").longValue(), node.get("deleted").booleanValue(), row);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable row state", e);
        }
    }
}
