package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code data} a block-document event shows: Prefect first obfuscates the decrypted data with the schema's
 * {@code secret_fields} (dotted paths; a {@code *} segment covers everything below its prefix), then keeps the
 * top-level entries whose value is a string and whose key is not literally one of the secret fields. Only the top
 * level survives that filter, so only top-level effects of the obfuscation are computed here: a non-empty object is
 * dropped whatever happens inside it, and a top-level leaf is obfuscated by an exact one-segment path (when not null)
 * or by a wildcard whose prefix is empty or that one key. That is how {@code "auth.*"} turns a string {@code auth}
 * into {@code "********"}, which then stays in the payload because {@code "auth.*"} is not {@code "auth"}.
 */
public final class SecretFilter {

    static final String OBFUSCATED = "********";

    private SecretFilter() {}

    public static ObjectNode visibleData(ObjectNode data, List<String> secretFields) {
        Set<String> secretKeys = new HashSet<>(secretFields);
        ObjectNode visible = Payloads.object();
        for (Iterator<Map.Entry<String, JsonNode>> it = data.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            JsonNode value = entry.getValue();
            boolean walkedInto = value.isObject() && !value.isEmpty();
            if (walkedInto || secretKeys.contains(key)) {
                continue;
            }
            JsonNode shown = obfuscates(secretFields, key, value) ? TextNode.valueOf(OBFUSCATED) : value;
            if (shown.isTextual()) {
                visible.set(key, shown);
            }
        }
        return visible;
    }

    /** Whether Prefect's obfuscation replaces the top-level leaf {@code key}. */
    private static boolean obfuscates(List<String> secretFields, String key, JsonNode value) {
        for (String field : secretFields) {
            String[] path = field.split("\\.", -1);
            int wildcard = Arrays.asList(path).indexOf("*");
            boolean exact = path.length == 1 && path[0].equals(key) && !value.isNull();
            boolean coveredByWildcard = wildcard == 0 || (wildcard == 1 && path[0].equals(key));
            if (exact || coveredByWildcard) {
                return true;
            }
        }
        return false;
    }
}
