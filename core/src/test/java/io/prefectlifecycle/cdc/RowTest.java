package io.prefectlifecycle.cdc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The row facts the kinds read on older Prefect releases' tables: a missing column and the column order; a JSON column
 * that holds no JSON.
 */
class RowTest {

    private static Row row(String json) throws Exception {
        return new Row("variable", (ObjectNode) Json.parse(json));
    }

    @Test
    void aMissingColumnIsNotANullOne() throws Exception {
        Row row = row("{\"id\": \"a\", \"labels\": null}");
        assertTrue(row.has("labels"));
        assertTrue(row.isNull("labels"));
        assertFalse(row.has("tags"));
    }

    @Test
    void columnsKeepTheTablesOrder() throws Exception {
        Row before3 = row("{\"id\": \"a\", \"name\": \"n\", \"value\": \"42\", \"tags\": \"[]\"}");
        Row since3 = row("{\"id\": \"a\", \"name\": \"n\", \"tags\": \"[]\", \"value\": \"42\"}");
        assertTrue(before3.precedes("value", "tags"));
        assertFalse(since3.precedes("value", "tags"));
    }

    @Test
    void theOrderOfAMissingColumnIsAFormatError() throws Exception {
        RowFormatException missing = assertThrows(
                RowFormatException.class,
                () -> row("{\"id\": \"a\", \"value\": \"42\"}").precedes("value", "tags"));
        assertEquals("variable.tags is missing from the change record", missing.getMessage());
    }

    @Test
    void anEmptyJsonColumnIsAFormatError() throws Exception {
        RowFormatException empty = assertThrows(
                RowFormatException.class,
                () -> row("{\"id\": \"a\", \"value\": \"\"}").json("value"));
        assertEquals("variable.value is not valid JSON", empty.getMessage());
    }
}
