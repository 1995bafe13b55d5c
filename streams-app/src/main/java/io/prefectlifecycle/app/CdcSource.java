package io.prefectlifecycle.app;

import io.prefectlifecycle.topology.TopologySettings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One Prefect database the app reads: a name of the operator's choosing, and the {@code topic.prefix} of its Debezium
 * connector, whose change stream is {@code <prefix>.cdc}. Written {@code name=prefix}; a list is comma-separated, in
 * the order that numbers the sources' tasks (docs/operations.md, Many Prefect servers).
 */
public record CdcSource(String name, String topicPrefix) {

    private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,245}");
    /** The environment variable suffix of a source's Fernet key: upper case, {@code -} as {@code _}. */
    static final String KEY_VARIABLE_PREFIX = "PREFECT_SERVER_ENCRYPTION_KEY_";

    public CdcSource {
        if (!TopologySettings.SOURCE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "source name '" + name + "' must be 1 to 63 of a-z 0-9 _ -, starting " + "with a letter or digit");
        }
        if (!KAFKA_NAME.matcher(topicPrefix).matches()) {
            throw new IllegalArgumentException("topic prefix '" + topicPrefix + "' of the source " + name
                    + " must be 1 to 245 of the characters a-z A-Z 0-9 . _ -");
        }
    }

    /** The change stream of the source's connector. */
    public String cdcTopic() {
        return TopologySettings.cdcTopicOf(topicPrefix);
    }

    /** {@code PREFECT_SERVER_ENCRYPTION_KEY_<NAME>}: this source's Fernet key, when it is not the common one. */
    public String keyVariable() {
        return KEY_VARIABLE_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * {@code name=prefix[,name=prefix…]}, in order. Names, prefixes and key variables must be distinct.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    public static List<CdcSource> parseList(String raw) {
        List<CdcSource> sources = new ArrayList<>();
        if (raw.isBlank()) {
            return sources;
        }
        Map<String, String> names = new HashMap<>();
        Map<String, String> prefixes = new HashMap<>();
        Map<String, String> keys = new HashMap<>();
        for (String entry : raw.split(",", -1)) {
            String[] parts = entry.strip().split("=", -1);
            if (parts.length != 2) {
                throw new IllegalArgumentException("must be name=topic-prefix[,name=topic-prefix…], e.g. "
                        + "prod=prefect-prod,staging=prefect-staging");
            }
            CdcSource source = new CdcSource(parts[0].strip(), parts[1].strip());
            if (names.putIfAbsent(source.name(), source.name()) != null) {
                throw new IllegalArgumentException("names the source " + source.name() + " twice");
            }
            String other = prefixes.putIfAbsent(source.topicPrefix(), source.name());
            if (other != null) {
                throw new IllegalArgumentException("gives the sources " + other + " and " + source.name()
                        + " one topic prefix, " + source.topicPrefix() + ": a change stream is one database's");
            }
            String sameKey = keys.putIfAbsent(source.keyVariable(), source.name());
            if (sameKey != null) {
                throw new IllegalArgumentException("names the sources " + sameKey + " and " + source.name()
                        + ", which share the key variable " + source.keyVariable() + ": rename one");
            }
            sources.add(source);
        }
        return sources;
    }

    @Override
    public String toString() {
        return name + "=" + topicPrefix;
    }
}
