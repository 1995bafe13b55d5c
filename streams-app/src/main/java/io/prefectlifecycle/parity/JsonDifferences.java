package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where two JSON values differ, as paths ({@code payload.value}, {@code resource["prefect.resource.name"]},
 * {@code related[1]["prefect.resource.role"]}). Objects compare without key order (Prefect's {@code events} table is
 * JSONB, which keeps none), arrays in order, numbers by value ({@code 1} equals {@code 1.0}, as in JSONB and in
 * Python). A missing key is shown as absent ({@code null} in JSON output, {@code (absent)} in text).
 */
public final class JsonDifferences {

    /** One place where the two differ; a missing side is {@link MissingNode}. */
    public record Difference(String path, JsonNode prefect, JsonNode ours) {}

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private JsonDifferences() {}

    public static List<Difference> between(String path, JsonNode prefect, JsonNode ours) {
        List<Difference> found = new ArrayList<>();
        collect(
                path,
                prefect == null ? MissingNode.getInstance() : prefect,
                ours == null ? MissingNode.getInstance() : ours,
                found);
        return found;
    }

    public static boolean same(JsonNode prefect, JsonNode ours) {
        return between("", prefect, ours).isEmpty();
    }

    private static void collect(String path, JsonNode prefect, JsonNode ours, List<Difference> found) {
        if (prefect.isObject() && ours.isObject()) {
            Set<String> keys = new LinkedHashSet<>();
            prefect.fieldNames().forEachRemaining(keys::add);
            ours.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                collect(child(path, key), prefect.path(key), ours.path(key), found);
            }
        } else if (prefect.isArray() && ours.isArray() && prefect.size() == ours.size()) {
            Iterator<JsonNode> p = prefect.elements();
            Iterator<JsonNode> o = ours.elements();
            for (int i = 0; p.hasNext(); i++) {
                collect(path + "[" + i + "]", p.next(), o.next(), found);
            }
        } else if (prefect.isNumber() && ours.isNumber()) {
            if (prefect.decimalValue().compareTo(ours.decimalValue()) != 0) {
                found.add(new Difference(path, prefect, ours));
            }
        } else if (!prefect.equals(ours)) {
            found.add(new Difference(path, prefect, ours));
        }
    }

    private static String child(String path, String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            return path.isEmpty() ? key : path + "." + key;
        }
        return path + "[\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
    }
}
