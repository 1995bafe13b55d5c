package io.prefectlifecycle.event;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * Writes a Jackson tree byte for byte as pydantic-core 2.46 {@code model_dump_json} writes the
 * equivalent Python value (spec §1.2, §6.3, §6.4).
 *
 * <ul>
 *   <li>Compact: no spaces; object keys in the node's order.
 *   <li>Strings: raw UTF-8 for everything from U+0020 up, including DEL, U+2028 and U+2029; {@code /}
 *       unescaped; {@code \" \\ \b \t \n \f \r}; other controls as lowercase <code>&#92;u00xx</code>.
 *       A lone surrogate is rejected: Python cannot encode it to UTF-8 either.
 *   <li>Integers (int, long, BigInteger) as plain digits: Python ints are unbounded.
 *   <li>Floats through {@link PydanticFloats}. A {@code DecimalNode} is the double it rounds to,
 *       because Python reads every JSON fraction or exponent as a float ({@code 1.50} → {@code 1.5}).
 *       A {@code FloatNode} is widened exactly ({@code 0.1f} → {@code 0.10000000149011612}).
 * </ul>
 */
public final class PrefectJsonWriter {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private PrefectJsonWriter() {}

    public static String toJson(JsonNode node) {
        StringBuilder out = new StringBuilder(256);
        write(node, out);
        return out.toString();
    }

    /** @throws IllegalArgumentException for binary, POJO and missing nodes, or a lone surrogate */
    public static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> writeObject(node, out);
            case ARRAY -> writeArray(node, out);
            case STRING -> writeString(node.textValue(), out);
            case NUMBER -> writeNumber(node, out);
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL -> out.append("null");
            case BINARY, POJO, MISSING ->
                throw new IllegalArgumentException("no Python JSON equivalent for a " + node.getNodeType() + " node");
        }
    }

    private static void writeObject(JsonNode node, StringBuilder out) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            writeString(field.getKey(), out);
            out.append(':');
            write(field.getValue(), out);
        }
        out.append('}');
    }

    private static void writeArray(JsonNode node, StringBuilder out) {
        out.append('[');
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            write(it.next(), out);
            if (it.hasNext()) {
                out.append(',');
            }
        }
        out.append(']');
    }

    private static void writeNumber(JsonNode node, StringBuilder out) {
        if (node.isBigInteger()) {
            out.append(node.bigIntegerValue());
        } else if (node.isIntegralNumber()) {
            out.append(node.longValue());
        } else if (node.isBigDecimal()) {
            out.append(PydanticFloats.format(node.decimalValue().doubleValue()));
        } else {
            out.append(PydanticFloats.format(node.doubleValue()));
        }
    }

    /** @throws IllegalArgumentException if {@code s} holds a lone surrogate */
    public static void writeString(String s, StringBuilder out) {
        out.append('"');
        int length = s.length();
        int plain = plainPrefix(s);
        out.append(s, 0, plain); // most strings need no escape at all: appended whole
        for (int i = plain; i < length; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\f' -> out.append("\\f");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                    } else if (Character.isHighSurrogate(c)
                            && i + 1 < length
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        out.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        throw new IllegalArgumentException(
                                "string has a lone surrogate at index " + i + "; it has no UTF-8 encoding");
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** How many chars at the start of {@code s} are written as they are. */
    private static int plainPrefix(String s) {
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return i;
            }
        }
        return length;
    }
}
