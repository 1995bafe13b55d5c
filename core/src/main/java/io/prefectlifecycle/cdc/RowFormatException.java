package io.prefectlifecycle.cdc;

/** A column that is missing or has the wrong shape. The message names the column, never its value. */
public final class RowFormatException extends RuntimeException {

    public RowFormatException(String message) {
        super(message);
    }
}
