package io.prefectlifecycle.registry;

/**
 * The schema registry did not answer, or answered 5xx, 408 or 429, on every attempt within the retry budget. Transient:
 * the same call may succeed later, so the record that needed it must wait, not become a dead letter.
 */
public final class SchemaRegistryUnavailableException extends SchemaRegistryException {

    public SchemaRegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
