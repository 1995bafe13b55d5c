package io.prefectlifecycle.stream;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The binary forms of the stream's state entries: fixed-width numbers, length-prefixed bytes (-1 for null). */
final class Binary {

    private Binary() {}

    /** Writes an entry into one array, grown only when the size given was short. */
    static final class Writer {
        private byte[] bytes;
        private int size;

        Writer(int sizeHint) {
            bytes = new byte[Math.max(16, sizeHint)];
        }

        Writer tag(byte tag) {
            room(1);
            bytes[size++] = tag;
            return this;
        }

        Writer number(long value) {
            room(8);
            for (int shift = 56; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
            return this;
        }

        Writer count(int value) {
            room(4);
            for (int shift = 24; shift >= 0; shift -= 8) {
                bytes[size++] = (byte) (value >>> shift);
            }
            return this;
        }

        Writer text(String value) {
            return bytes(value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        Writer bytes(byte[] value) {
            count(value == null ? -1 : value.length);
            if (value != null) {
                room(value.length);
                System.arraycopy(value, 0, bytes, size, value.length);
                size += value.length;
            }
            return this;
        }

        byte[] toBytes() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }

        private void room(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }
    }

    /** Reads an entry written by {@link Writer}, in the same order. */
    static final class Reader {
        private final ByteBuffer in;

        Reader(byte[] bytes, byte expectedTag, String what) {
            if (bytes.length == 0 || bytes[0] != expectedTag) {
                throw new IllegalStateException("unreadable " + what + " (format tag "
                        + (bytes.length == 0 ? "none" : Byte.toString(bytes[0])) + ")");
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
}
