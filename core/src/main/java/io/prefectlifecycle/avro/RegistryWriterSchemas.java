package io.prefectlifecycle.avro;

import io.prefectlifecycle.cdc.WriterSchemas;
import io.prefectlifecycle.registry.SchemaNotFoundException;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Writer schemas by id from a schema registry, parsed once per id. */
public final class RegistryWriterSchemas implements WriterSchemas {

    private final SchemaRegistryClient registry;
    private final Map<Integer, Schema> parsed = new ConcurrentHashMap<>();

    public RegistryWriterSchemas(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public Schema byId(int id) {
        Schema schema = parsed.get(id);
        if (schema != null) {
            return schema;
        }
        String text;
        try {
            text = registry.schemaById(id);
        } catch (SchemaNotFoundException e) {
            throw new UnknownWriterSchemaException(
                    "schema id " + id + " is not in the schema registry " + registry.url());
        }
        try {
            schema = new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new UnknownWriterSchemaException("schema id " + id + " is not an Avro schema");
        }
        parsed.put(id, schema);
        return schema;
    }
}
