package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code ==} on values loaded from JSON, which is how Prefect decides that an event field changed: objects
 * compare without order, arrays in order, numbers by value ({@code 1 == 1.0}), and a bool is an int
 * ({@code True == 1}, {@code False == 0}); strings and {@code None} compare exactly.
 */
final class PythonValues {

    private PythonValues() {}

    static boolean equal(JsonNode a, JsonNode b) {
        if (isNull(a) || isNull(b)) {
            return isNull(a) && isNull(b);
        }
        if (isNumeric(a) && isNumeric(b)) {
            return numbersEqual(a, b);
        }
        if (a.isTextual() && b.isTextual()) {
            return a.textValue().equals(b.textValue());
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = a.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> entry = it.next();
                JsonNode other = b.get(entry.getKey());
                if (other == null || !equal(entry.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static boolean isNull(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    private static boolean isNumeric(JsonNode node) {
        return node.isNumber() || node.isBoolean();
    }

    /** Ints exactly; a float against an int or a float by its exact binary value, as Python compares them. */
    private static boolean numbersEqual(JsonNode a, JsonNode b) {
        if (isInt(a) && isInt(b)) {
            return intValue(a).equals(intValue(b));
        }
        BigDecimal x = exact(a);
        BigDecimal y = exact(b);
        return x != null && y != null && x.compareTo(y) == 0;
    }

    private static boolean isInt(JsonNode node) {
        return node.isBoolean() || node.isIntegralNumber();
    }

    private static BigInteger intValue(JsonNode node) {
        return node.isBoolean() ? (node.booleanValue() ? BigInteger.ONE : BigInteger.ZERO) : node.bigIntegerValue();
    }

    /** {@code null} for a float that is not finite (never in JSONB: Prefect stores NaN and ±Inf as null). */
    private static BigDecimal exact(JsonNode node) {
        if (isInt(node)) {
            return new BigDecimal(intValue(node));
        }
        double value = node.doubleValue();
        return Double.isFinite(value) ? new BigDecimal(value) : null;
    }
}
