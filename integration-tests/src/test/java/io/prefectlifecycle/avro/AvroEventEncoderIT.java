package io.prefectlifecycle.avro;

import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Events through a real registry: subject by topic, registered on first use or required to be there. */
class AvroEventEncoderIT {

    private final ApicurioRegistry registry = ApicurioRegistry.shared();

    @Test
    void registersUnderTheTopicsValueSubjectAndReadsBackAsTheJson() {
        String topic = "events-" + UUID.randomUUID();
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        AvroEventEncoder encoder = new AvroEventEncoder(client, topic, true);
        LifecycleEvent event = GoldenEvents.parse(GoldenEvents.lines().get(0).json());
        byte[] value = encoder.encode(event);
        assertEquals(topic + "-value", encoder.subject());
        assertEquals(
                new SchemaRegistryClient(registry.ccompatUrl())
                        .lookup(topic + "-value", EventSchemas.ENVELOPE_TEXT)
                        .getAsInt(),
                ConfluentWireFormat.schemaId(value));
        AvroEventDecoder decoder =
                new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(registry.ccompatUrl())));
        assertEquals(event.toJson(), decoder.decode(value).toJson());
    }

    @Test
    void withoutAutoRegistrationTheSchemaMustBeRegisteredAlready() {
        String topic = "events-" + UUID.randomUUID();
        LifecycleEvent event = GoldenEvents.parse(GoldenEvents.lines().get(0).json());
        SchemaRegistryException e = assertThrows(
                SchemaRegistryException.class,
                () -> new AvroEventEncoder(new SchemaRegistryClient(registry.ccompatUrl()), topic, false)
                        .encode(event));
        assertTrue(
                e.getMessage()
                        .contains("is not registered under subject " + topic + "-value, and "
                                + "schema.registry.auto.register is false"),
                e.getMessage());

        int id = new SchemaRegistryClient(registry.ccompatUrl()).register(topic + "-value", EventSchemas.ENVELOPE_TEXT);
        byte[] value =
                new AvroEventEncoder(new SchemaRegistryClient(registry.ccompatUrl()), topic, false).encode(event);
        assertEquals(id, ConfluentWireFormat.schemaId(value));
    }
}
