package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cdc.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonDifferencesTest {

    @Test
    void keyOrderDoesNotCountNumbersCompareByValueArraysInOrder() throws Exception {
        assertTrue(JsonDifferences.same(json("{\"b\":1,\"a\":[1,2.50]}"), json("{\"a\":[1.0,2.5],\"b\":1.00}")));
        assertEquals(List.of("payload.a[0]", "payload.a[1]"), paths("{\"a\":[1,2]}", "{\"a\":[2,1]}"));
        assertEquals(List.of("payload.a"), paths("{\"a\":[1,2]}", "{\"a\":[1]}"));
        assertEquals(List.of("payload.x"), paths("{\"x\":null}", "{}"));
        assertEquals(List.of("payload.v"), paths("{\"v\":\"1\"}", "{\"v\":1}"));
    }

    @Test
    void labelsWithDotsAreQuoted() throws Exception {
        assertEquals(
                List.of("payload[\"prefect.resource.name\"]"),
                paths("{\"prefect.resource.name\":\"a\"}", "{\"prefect.resource.name\":\"b\"}"));
    }

    private static List<String> paths(String prefect, String ours) throws Exception {
        return JsonDifferences.between("payload", json(prefect), json(ours)).stream()
                .map(JsonDifferences.Difference::path)
                .toList();
    }

    private static JsonNode json(String text) throws Exception {
        return Json.MAPPER.readTree(text);
    }
}
