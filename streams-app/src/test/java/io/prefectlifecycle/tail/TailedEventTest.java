package io.prefectlifecycle.tail;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.prefectlifecycle.tail.EventFilterTest.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TailedEventTest {

    @Test
    void readsTheFieldsFiltersLookAt() {
        TailedEvent event = EventFilterTest.DOCUMENT_CREATED;
        assertEquals("01a2193d-3290-7000-8000-000000000001", event.id());
        assertEquals("prefect.block-document.created", event.event());
        assertEquals(Instant.parse("2026-11-26T19:02:50.767460Z"), event.occurred());
        assertEquals("2026-11-26T19:02:50.76746Z", event.occurredText(), "kept as stored");
        assertEquals(EventFilterTest.DOC, event.resourceId());
        assertEquals(
                List.of(
                        Map.of(
                                "prefect.resource.id",
                                EventFilterTest.TYPE,
                                "prefect.resource.role",
                                "block-type",
                                "prefect.resource.name",
                                "Secretish"),
                        Map.of("prefect.resource.id", EventFilterTest.SCHEMA, "prefect.resource.role", "block-schema")),
                event.related());
    }

    @Test
    void textLineIsOccurredEventResourceAndName() {
        assertEquals(
                "2026-11-26T19:02:50.740167Z prefect.variable.created " + EventFilterTest.VARIABLE + " db_url",
                EventFilterTest.VARIABLE_CREATED.textLine());
        TailedEvent anonymous = TailedEvent.parse(bytes("{\"occurred\":\"2026-06-05T13:01:54Z\",\"event\":\"e\","
                + "\"resource\":{\"prefect.resource.id\":\"prefect.flow.1\"},\"related\":[],\"payload\":{},"
                + "\"id\":\"x\",\"follows\":null}"));
        assertEquals("2026-06-05T13:01:54Z e prefect.flow.1", anonymous.textLine());
    }

    @Test
    void rejectsWhatIsNotAnEventWithAReasonAndNoContent() {
        assertReason("not JSON", "{\"occurred\":");
        assertReason("not a JSON object", "[1]");
        assertReason("occurred is missing or not a string", "{\"event\":\"e\"}");
        assertReason("occurred is not an ISO-8601 time", "{\"occurred\":\"yesterday\",\"event\":\"e\"}");
        assertReason(
                "resource is not an object", "{\"occurred\":\"2026-06-05T13:01:54Z\",\"event\":\"e\",\"id\":\"i\"}");
        assertReason(
                "resource has no prefect.resource.id",
                "{\"occurred\":\"2026-06-05T13:01:54Z\",\"event\":\"e\",\"id\":\"i\",\"resource\":{}}");
        assertReason(
                "related is not an array",
                "{\"occurred\":\"2026-06-05T13:01:54Z\",\"event\":\"e\",\"id\":\"i\","
                        + "\"resource\":{\"prefect.resource.id\":\"r\"},\"related\":{}}");
        assertReason(
                "id is missing or not a string",
                "{\"occurred\":\"2026-06-05T13:01:54Z\",\"event\":\"e\","
                        + "\"resource\":{\"prefect.resource.id\":\"r\"},\"related\":[]}");
        assertThrows(IllegalArgumentException.class, () -> TailedEvent.parse(null));
    }

    private static void assertReason(String reason, String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TailedEvent.parse(bytes(json)));
        assertEquals(reason, e.getMessage());
        assertTrue(!e.getMessage().contains("yesterday"));
    }
}
