package io.prefectlifecycle.avro;

import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.registry.SchemaRegistrySettings;

import java.util.OptionalInt;

/**
 * Events as Avro in the Confluent wire format, under the subject {@code <topic>-value} (TopicNameStrategy): the schema
 * is registered on first use, or, with auto-registration off, must already be registered there. The id is asked for
 * once per client.
 */
public final class AvroEventEncoder implements EventEncoder {

    private final SchemaRegistryClient registry;
    private final String subject;
    private final boolean autoRegister;

    public AvroEventEncoder(SchemaRegistryClient registry, String topic, boolean autoRegister) {
        this.registry = registry;
        this.subject = SchemaRegistrySettings.valueSubject(topic);
        this.autoRegister = autoRegister;
    }

    /**
     * @throws io.prefectlifecycle.registry.SchemaRegistryUnavailableException when the id is not known yet and the
     *         registry does not answer
     * @throws SchemaRegistryException when the registry refuses the schema, or it is not pre-registered
     */
    @Override
    public byte[] encode(LifecycleEvent event) {
        byte[] body = AvroEvents.toBinary(AvroEvents.toRecord(event));
        return ConfluentWireFormat.frame(schemaId(), body);
    }

    /** The id of {@link EventSchemas#ENVELOPE} under the subject: registered, or looked up. */
    public int schemaId() {
        if (autoRegister) {
            return registry.register(subject, EventSchemas.ENVELOPE_TEXT);
        }
        OptionalInt id = registry.lookup(subject, EventSchemas.ENVELOPE_TEXT);
        if (id.isEmpty()) {
            throw new SchemaRegistryException(
                    registry.url() + ": the event schema (schemas/avro/lifecycle-event.avsc) "
                            + "is not registered under subject " + subject
                            + ", and schema.registry.auto.register is false",
                    404,
                    -1);
        }
        return id.getAsInt();
    }

    public String subject() {
        return subject;
    }
}
