package io.prefectlifecycle.cdc;

import org.apache.avro.Schema;

/**
 * The writer schemas of Avro records in the Confluent wire format, by schema id: a schema registry, cached.
 * {@link #NONE} when no registry is configured.
 */
@FunctionalInterface
public interface WriterSchemas {

    /**
     * @throws UnknownWriterSchemaException when there is no schema with this id (the record goes to the dead letters)
     * @throws io.prefectlifecycle.registry.SchemaRegistryUnavailableException when the registry does not answer (the
     *         record must wait)
     */
    Schema byId(int id);

    WriterSchemas NONE = id -> {
        throw new UnknownWriterSchemaException(
                "schema id " + id + ": no schema registry is configured " + "(schema.registry.url)");
    };

    /** No schema with this id can be had: a fact about the record, not a passing condition. */
    final class UnknownWriterSchemaException extends RuntimeException {
        public UnknownWriterSchemaException(String message) {
            super(message);
        }
    }
}
