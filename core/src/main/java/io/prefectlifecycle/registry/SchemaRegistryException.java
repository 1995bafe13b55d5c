package io.prefectlifecycle.registry;

/**
 * The schema registry answered with an error that trying again will not change (a bad request, an incompatible schema,
 * no authorization). The message names the registry (without credentials), the call, the HTTP status and the
 * registry's {@code error_code} and message.
 */
public class SchemaRegistryException extends RuntimeException {

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(String message, int status, int errorCode) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
        this.errorCode = -1;
    }

    /** The HTTP status, or -1 when there was no answer. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (Confluent's {@code 40401} subject not found, …), or -1. */
    public int errorCode() {
        return errorCode;
    }
}
