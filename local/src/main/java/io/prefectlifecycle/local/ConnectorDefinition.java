package io.prefectlifecycle.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Debezium connector as declared once in {@code connect-config/prefect-connector.json}
 * ({@code {"name": ..., "config": {...}}}), and the topic it writes. A variant file holds only what differs:
 * {@code {"extends": "prefect-connector.json", "config": {...}}} (the Avro converters).
 */
public record ConnectorDefinition(String name, Map<String, String> config) {
    public static final String RESOURCE = "connect-config/prefect-connector.json";
    /** The same connector with Avro keys and values through a schema registry (Apicurio's converter). */
    public static final String AVRO_RESOURCE = "connect-config/prefect-connector-avro.json";

    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+)}");
    private static final String HEARTBEAT_QUERY = "heartbeat.action.query";
    private static final Pattern INSERT_INTO = Pattern.compile("(?i)\\binsert\\s+into\\s+([A-Za-z0-9_.\"]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    public ConnectorDefinition {
        config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    /** The definition shipped in the jar (copied from connect-config/ at build time). */
    public static ConnectorDefinition load() {
        return load(RESOURCE);
    }

    /** A definition shipped in the jar, e.g. {@link #AVRO_RESOURCE}; a variant on top of the file it extends. */
    public static ConnectorDefinition load(String resource) {
        String folder = resource.substring(0, resource.lastIndexOf('/') + 1);
        return parse(Support.classpathText(resource), base -> load(folder + base));
    }

    /** A definition without {@code extends}. */
    public static ConnectorDefinition parse(String json) {
        return parse(json, base -> {
            throw new IllegalArgumentException("extends " + base + ": only a file in connect-config/ can extend one");
        });
    }

    private static ConnectorDefinition parse(
            String json, java.util.function.Function<String, ConnectorDefinition> bases) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(json);
            Map<String, String> config = new LinkedHashMap<>();
            root.required("config")
                    .properties()
                    .forEach(e -> config.put(e.getKey(), e.getValue().asText()));
            if (root.hasNonNull("extends")) {
                ConnectorDefinition base = bases.apply(root.get("extends").asText());
                return new ConnectorDefinition(
                                root.hasNonNull("name") ? root.get("name").asText() : base.name(), base.config())
                        .with(config);
            }
            return new ConnectorDefinition(root.required("name").asText(), config);
        } catch (JsonProcessingException | ClassCastException | IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "not a {\"name\", \"config\"} connector definition: " + e.getMessage(), e);
        }
    }

    public String topicPrefix() {
        return config.get("topic.prefix");
    }

    public String slotName() {
        return config.get("slot.name");
    }

    public String publicationName() {
        return config.get("publication.name");
    }

    /** Schema-qualified captured tables, in declaration order (e.g. {@code public.variable}). */
    public List<String> tables() {
        return Arrays.stream(config.getOrDefault("table.include.list", "").split(","))
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .toList();
    }

    /**
     * The one topic the connector writes every captured table's changes and its BEGIN/END records to: Debezium's
     * topics ({@code <topic.prefix>.<schema>.<table>}, {@code <topic.prefix>.transaction}) through the routing
     * transform of the definition, as Kafka Connect's {@code RegexRouter} applies it.
     *
     * @throws IllegalStateException when the routing does not send every table and the BEGIN/END records to one topic
     */
    public String cdcTopic() {
        List<String> debeziumTopics = new java.util.ArrayList<>(
                tables().stream().map(t -> topicPrefix() + "." + t).toList());
        debeziumTopics.add(topicPrefix() + ".transaction");
        List<String> routed =
                debeziumTopics.stream().map(this::routed).distinct().toList();
        if (routed.size() != 1) {
            throw new IllegalStateException("the connector " + name + " writes to " + routed + ", not to one topic: "
                    + "its transforms.route must send every table and the transaction records to <topic.prefix>.cdc");
        }
        return routed.get(0);
    }

    private String routed(String topic) {
        String regex = config.get("transforms.route.regex");
        if (regex == null) {
            return topic;
        }
        Matcher m = Pattern.compile(regex).matcher(topic);
        return m.matches() ? m.replaceFirst(config.get("transforms.route.replacement")) : topic;
    }

    /**
     * The captured table that {@code heartbeat.action.query} writes (schemas/debezium-heartbeat.sql): ours, not
     * Prefect's. Empty when there is no action query.
     */
    public Optional<String> heartbeatTable() {
        Matcher insert = INSERT_INTO.matcher(config.getOrDefault(HEARTBEAT_QUERY, ""));
        if (!insert.find()) {
            return Optional.empty();
        }
        String written = insert.group(1).replace("\"", "");
        return tables().stream()
                .filter(t -> t.equals(written) || t.endsWith("." + written))
                .findFirst();
    }

    /** The captured tables that are Prefect's: {@link #tables()} without the heartbeat table. */
    public List<String> prefectTables() {
        Optional<String> heartbeat = heartbeatTable();
        return tables().stream()
                .filter(t -> heartbeat.map(h -> !h.equals(t)).orElse(true))
                .toList();
    }

    /**
     * The same connector without the heartbeat table: no {@code heartbeat.action.query}, the table not captured.
     * Heartbeat records still flow ({@code heartbeat.interval.ms}); only the write that keeps the slot advancing
     * while Prefect's captured tables are quiet is gone.
     */
    public ConnectorDefinition withoutHeartbeatTable() {
        Map<String, String> changed = new LinkedHashMap<>(config);
        changed.remove(HEARTBEAT_QUERY);
        changed.put("table.include.list", String.join(",", prefectTables()));
        return new ConnectorDefinition(name, changed);
    }

    /**
     * Where Debezium writes its heartbeat records ({@code heartbeat.interval.ms}):
     * {@code <topic.heartbeat.prefix, default __debezium-heartbeat>.<topic.prefix>}.
     */
    public String heartbeatTopic() {
        return config.getOrDefault("topic.heartbeat.prefix", "__debezium-heartbeat") + "." + topicPrefix();
    }

    /**
     * The same definition with every {@code ${env:NAME}} reference turned into
     * {@code ${<alias>:<file>:NAME}}: for a worker that serves NAME from a properties file through
     * Kafka's FileConfigProvider, because an in-JVM worker cannot be given environment variables.
     * The values still never enter the connector's stored config.
     */
    public ConnectorDefinition withEnvReferencesServedBy(String fileProviderAlias, Path propertiesFile) {
        Map<String, String> rewritten = new LinkedHashMap<>();
        config.forEach((key, value) -> {
            Matcher m = ENV_REFERENCE.matcher(value);
            rewritten.put(
                    key,
                    m.replaceAll(r -> Matcher.quoteReplacement("${" + fileProviderAlias + ":"
                            + propertiesFile.toAbsolutePath() + ":" + r.group(1) + "}")));
        });
        return new ConnectorDefinition(name, rewritten);
    }

    /**
     * The same definition with some settings replaced or added ({@code *.apicurio.registry.url} for a registry at
     * another address than the file's).
     */
    public ConnectorDefinition with(Map<String, String> settings) {
        Map<String, String> changed = new LinkedHashMap<>(config);
        changed.putAll(settings);
        return new ConnectorDefinition(name, changed);
    }

    /** {@link #with} every setting ending in {@code suffix} set to {@code value}. */
    public ConnectorDefinition withEvery(String suffix, String value) {
        Map<String, String> changed = new LinkedHashMap<>();
        config.keySet().stream().filter(k -> k.endsWith(suffix)).forEach(k -> changed.put(k, value));
        return with(changed);
    }

    /** The {@code config} object as JSON, the body of {@code PUT /connectors/<name>/config}. */
    public String configJson() {
        return JSON.valueToTree(config).toString();
    }
}
