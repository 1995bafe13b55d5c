package io.prefectlifecycle.registry;

/** HTTP 404: no schema with that id, no such subject, or the schema is not registered under the subject. */
public final class SchemaNotFoundException extends SchemaRegistryException {

    public SchemaNotFoundException(String message, int errorCode) {
        super(message, 404, errorCode);
    }
}
