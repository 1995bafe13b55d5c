package io.prefectlifecycle.avro;

import io.prefectlifecycle.event.EventEncodingException;
import io.prefectlifecycle.event.LifecycleEvent;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every golden JSON event, written as Avro and read back, is the same JSON byte for byte: the Avro events carry
 * everything the JSON events do, in a form that gives back Prefect's bytes.
 */
class AvroEventsRoundTripTest {

    static List<GoldenEvents.Line> events() {
        return GoldenEvents.lines();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void jsonToAvroToJsonIsTheSameBytes(GoldenEvents.Line line) throws Exception {
        LifecycleEvent event = GoldenEvents.parse(line.json());
        assertEquals(line.json(), event.toJson(), "the test's own parse of the line");
        byte[] avro = AvroEvents.toBinary(AvroEvents.toRecord(event));
        GenericRecord read = AvroEvents.fromBinary(avro, 0, EventSchemas.ENVELOPE, EventSchemas.ENVELOPE);
        assertEquals(line.json(), AvroEvents.fromRecord(read).toJson());
    }

    @Test
    void thereAreGoldenEventsOfEveryPayloadRecord() {
        List<String> used = events().stream()
                .map(l -> ((GenericRecord) AvroEvents.toRecord(GoldenEvents.parse(l.json()))
                                .get("payload"))
                        .getSchema()
                        .getName())
                .distinct()
                .toList();
        for (Schema payload : EventSchemas.payloads()) {
            assertTrue(used.contains(payload.getName()), "no golden event has a " + payload.getName());
        }
    }

    @Test
    void anEventWhosePayloadFitsNoRecordIsAnEncodingErrorNamingTheFields() {
        LifecycleEvent event = GoldenEvents.parse(events().get(0).json());
        ((com.fasterxml.jackson.databind.node.ObjectNode) event.payload()).put("surprise", 1);
        EventEncodingException e = assertThrows(EventEncodingException.class, () -> AvroEvents.toRecord(event));
        assertTrue(e.getMessage().contains("surprise"), e.getMessage());
    }
}
