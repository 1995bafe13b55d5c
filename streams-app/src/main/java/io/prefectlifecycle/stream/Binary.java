package io.prefectlifecycle.stream;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The binary forms of the stream's state entries: fixed-width numbers, length-prefixed bytes (-1 for null). */
final class Binary {

    private Binary() {
    }

    /** Writes an entry. */
    static final class Writer {
        private final ByteArrayOutputStream bytes;
        private final DataOutputStream out;

        Writer(int sizeHint) {
            bytes = new ByteArrayOutputStream(sizeHint);
            out = new DataOutputStream(bytes);
        }

        Writer tag(byte tag) {
            return run(() -> out.writeByte(tag));
        }

        Writer number(long value) {
            return run(() -> out.writeLong(value));
        }

        Writer count(int value) {
            return run(() -> out.writeInt(value));
        }

        Writer text(String value) {
            return bytes(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(byte[] value) {
            return run(() -> {
                out.writeInt(value == null ? -1 : value.length);
                if (value != null) {
                    out.write(value);
                }
            });
        }

        byte[] toBytes() {
            return bytes.toByteArray();
        }

        private Writer run(IoStep step) {
            try {
                step.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
            }
            return this;
        }
    }

    /** Reads an entry written by {@link Writer}, in the same order. */
    static final class Reader {
        private final ByteBuffer in;

        Reader(byte[] bytes, byte expectedTag, String what) {
            if (bytes.length == 0 || bytes[0] != expectedTag) {
                throw new IllegalStateException("unreadable " + what + " (format tag " + (bytes.length == 0 ? "none"
                        : Byte.toString(bytes[0])) + ")");
            }
            in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        }

        long number() {
            return in.getLong();
        }

        int count() {
            return in.getInt();
        }

        String text() {
            byte[] value = bytes();
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        byte[] bytes() {
            int length = in.getInt();
            if (length < 0) {
                return null;
            }
            byte[] value = new byte[length];
            in.get(value);
            return value;
        }
    }

    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }
}
