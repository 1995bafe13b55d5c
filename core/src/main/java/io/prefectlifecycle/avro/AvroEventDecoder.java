package io.prefectlifecycle.avro;

import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;

import java.io.IOException;

/**
 * Reads an Avro event record (Confluent wire format) back into the event, with its writer schema from the registry
 * and {@link EventSchemas#ENVELOPE} as the reader schema: {@code decode(bytes).toJson()} is the JSON event.
 */
public final class AvroEventDecoder {

    private final WriterSchemas writerSchemas;

    public AvroEventDecoder(WriterSchemas writerSchemas) {
        this.writerSchemas = writerSchemas;
    }

    /** @throws IllegalArgumentException when the bytes are not an event record */
    public LifecycleEvent decode(byte[] framed) {
        int id = ConfluentWireFormat.schemaId(framed);
        Schema writer;
        try {
            writer = writerSchemas.byId(id);
        } catch (WriterSchemas.UnknownWriterSchemaException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        try {
            return AvroEvents.fromRecord(
                    AvroEvents.fromBinary(framed, ConfluentWireFormat.HEADER_LENGTH, writer, EventSchemas.ENVELOPE));
        } catch (IOException | AvroRuntimeException | ClassCastException e) {
            throw new IllegalArgumentException(
                    "not an event record of schema id " + id + ": "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }
}
