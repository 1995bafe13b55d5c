package io.prefectlifecycle.cdc;

import java.util.Optional;

/** Debezium's operation codes (the {@code op} field of a change event value). */
public enum Op {
    CREATE("c"),
    UPDATE("u"),
    DELETE("d"),
    /** A row read by a snapshot, not a change. */
    READ("r"),
    TRUNCATE("t"),
    /** A logical decoding message ({@code pg_logical_emit_message}). */
    MESSAGE("m");

    private final String code;

    Op(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    public static Optional<Op> fromCode(String code) {
        for (Op op : values()) {
            if (op.code.equals(code)) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }
}
