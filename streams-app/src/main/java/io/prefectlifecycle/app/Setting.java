package io.prefectlifecycle.app;

import io.prefectlifecycle.event.EventFormat;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Every setting of {@code run}, declared once: its name (the key in a {@code --config-file}), default, description
 * and type. The environment variable is {@code PREFECT_CDC_<NAME>} ({@code .} → {@code _}, upper case) and the flag
 * {@code --<name>} ({@code .} → {@code -}). Precedence: default &lt; file &lt; environment &lt; flag
 * ({@link AppConfig#load}). The README's configuration table is {@link #markdownTable()}, checked by a test.
 */
public enum Setting {
    CONFIG_FILE(
            "config.file",
            "",
            "A `.properties` file of settings (keys: the setting names) and Kafka client settings (keys prefixed "
                    + "`kafka.`).",
            Setting::optionalPath),
    BOOTSTRAP_SERVERS(
            "bootstrap.servers", "localhost:9092", "Kafka cluster, `host:port[,host:port…]`.", Setting::hostPorts),
    APPLICATION_ID(
            "application.id",
            "prefect-lifecycle-cdc",
            "Kafka Streams `application.id`: the consumer group, the prefix of internal topics and transactional ids.",
            Setting::kafkaName),
    TOPIC_PREFIX(
            "topic.prefix",
            "prefect",
            "Debezium's `topic.prefix`: the input is the change stream `<prefix>.cdc` (connect-config/ routes every "
                    + "captured table and the BEGIN/END records into it).",
            Setting::kafkaName),
    CDC_TOPIC(
            "cdc.topic",
            "",
            "The change stream to read, when not `<topic.prefix>.cdc`: one partition, in commit order.",
            Setting::optionalKafkaName),
    SOURCES(
            "sources",
            "",
            "Several Prefect databases, `name=topic-prefix[,name=topic-prefix…]` (each connector's `topic.prefix`; "
                    + "stream `<prefix>.cdc`), one task each, in this order: append new ones at the end. Empty: one "
                    + "source, `prefect`, reading `topic.prefix` or `cdc.topic`.",
            raw -> CdcSource.parseList(raw)),
    SOURCE_LABEL(
            "source.label",
            "false",
            "Add the resource label `prefect.cdc.source` (the source's name) to every event; the header "
                    + "`prefect.cdc.source` is always there.",
            Setting::bool),
    EVENTS_TOPIC(
            "events.topic",
            "prefect.lifecycle-events",
            "Output topic of the events; created at start when missing.",
            Setting::kafkaName),
    EVENTS_TOPIC_PER_SOURCE(
            "events.topic.per.source",
            "false",
            "One events topic per source, `<events.topic>.<source>`, instead of one for all.",
            Setting::bool),
    DEAD_LETTER_TOPIC(
            "dead.letter.topic",
            "prefect.lifecycle-events.dlq",
            "Dead-letter topic; created at start when missing.",
            Setting::kafkaName),
    STATE_DIR(
            "state.dir",
            "/var/lib/prefect-lifecycle-cdc",
            "Kafka Streams state (the row store): a persistent volume spares a restore from the changelog on restart.",
            Setting::path),
    PROCESSING_GUARANTEE(
            "processing.guarantee",
            "exactly_once_v2",
            "`exactly_once_v2` or `at_least_once` (duplicates after a crash; the event ids stay the same).",
            ProcessingGuarantee::parse),
    STANDBY_REPLICAS(
            "standby.replicas",
            "0",
            "Warm copies of the state kept by other instances (`num.standby.replicas`), for fast fail-over.",
            raw -> integer(raw, 0, 16)),
    EMIT_SNAPSHOT_READS(
            "emit.snapshot.reads",
            "false",
            "Emit Debezium snapshot reads (`op` `r`) as `created` events.",
            Setting::bool),
    EVENT_FORMAT(
            "event.format",
            "json",
            "`json` (Prefect's bytes) or `avro`: the schemas in `schemas/avro/`, Confluent wire format, subject "
                    + "`<events.topic>-value`; needs `schema.registry.url`.",
            EventFormat::parse,
            "--format",
            "--event-format"),
    SCHEMA_REGISTRY_URL(
            "schema.registry.url",
            "",
            "Confluent-compatible schema registry (Confluent, Karapace, Redpanda, Apicurio's `/apis/ccompat/v7`): for "
                    + "Avro events, and for CDC records written by an Avro converter. `user:password@` in it is sent as "
                    + "basic auth.",
            Setting::optionalUrl),
    SCHEMA_REGISTRY_AUTO_REGISTER(
            "schema.registry.auto.register",
            "true",
            "Register the event schema on first use; `false`: it must already be registered under "
                    + "`<events.topic>-value`.",
            Setting::bool),
    HTTP_PORT(
            "http.port",
            "8080",
            "Port of `/health/live`, `/health/ready` and `/metrics`; `0` turns the endpoint off.",
            raw -> integer(raw, 0, 65535)),
    SHUTDOWN_TIMEOUT(
            "shutdown.timeout",
            "PT30S",
            "How long SIGTERM waits for Kafka Streams to commit and close (ISO-8601 duration).",
            Setting::positiveDuration);

    /**
     * Settings of earlier versions that no longer mean anything, with why: set, they are a warning, not an error, so
     * that an upgraded deployment starts.
     */
    static final Map<String, String> RETIRED = Map.of(
            "transaction.timeout", "transactions end at their END record, nothing waits on a clock (docs/adr/0004)",
            "schema", "the input is one topic, <topic.prefix>.cdc (cdc.topic)");

    /** Environment variables of this app that are not settings: read by log4j2.xml. */
    static final Set<String> OTHER_ENV_VARS = Set.of("PREFECT_CDC_LOG_LEVEL", "PREFECT_CDC_ROOT_LOG_LEVEL");

    static final String ENV_PREFIX = "PREFECT_CDC_";

    private static final Pattern KAFKA_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s,:]+:(\\d{1,5})");

    private final String key;
    private final String defaultValue;
    private final String description;
    private final Function<String, Object> type;
    private final String[] flags;

    Setting(String key, String defaultValue, String description, Function<String, Object> type) {
        this(key, defaultValue, description, type, "--" + key.replace('.', '-'));
    }

    /** @param flags the documented flag first, then aliases kept for compatibility */
    Setting(String key, String defaultValue, String description, Function<String, Object> type, String... flags) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
        this.type = type;
        this.flags = flags;
    }

    /** The name: the key in a {@code --config-file}. */
    public String key() {
        return key;
    }

    public String env() {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    /** The documented flag: {@code --<name>} ({@code .} → {@code -}), or a shorter one ({@code --format}). */
    public String flag() {
        return flags[0];
    }

    /** The documented flag, then its aliases ({@code --event-format}, the first name of {@code --format}). */
    public String[] flags() {
        return flags.clone();
    }

    /** The default as written; empty when there is none. */
    public String defaultValue() {
        return defaultValue;
    }

    /** One or two sentences, Markdown: shown by {@code --help} and in the README. */
    public String description() {
        return description;
    }

    /**
     * The typed value; the client commands ({@code replay}, {@code tail}, …) check their shared settings with it too.
     *
     * @throws IllegalArgumentException saying what is expected; the message does not repeat the value
     */
    public Object parse(String raw) {
        return type.apply(raw.trim());
    }

    /** The value as it may be shown in a log or an error: a password in a URL's user info is masked. */
    public String shown(String raw) {
        return this == SCHEMA_REGISTRY_URL ? raw.replaceFirst("//[^/@]*@", "//***@") : raw;
    }

    public static Optional<Setting> forKey(String key) {
        return Arrays.stream(values()).filter(s -> s.key.equals(key)).findFirst();
    }

    /** The README's configuration table, one row per setting. */
    public static String markdownTable() {
        return "| setting | environment | flag | default | meaning |\n|---|---|---|---|---|\n"
                + Arrays.stream(values())
                        .map(s -> "| `" + s.key + "` | `" + s.env() + "` | "
                                + Arrays.stream(s.flags).map(f -> "`" + f + "`").collect(Collectors.joining(" or "))
                                + " | "
                                + (s.defaultValue.isEmpty() ? "" : "`" + s.defaultValue + "`") + " | " + s.description
                                + " |")
                        .collect(Collectors.joining("\n"))
                + "\n";
    }

    private static Object kafkaName(String raw) {
        if (!KAFKA_NAME.matcher(raw).matches()) {
            throw new IllegalArgumentException("must be 1 to 249 of the characters a-z A-Z 0-9 . _ -");
        }
        return raw;
    }

    /** Empty means the default derived from another setting. */
    private static Object optionalKafkaName(String raw) {
        return raw.isEmpty() ? Optional.empty() : Optional.of((String) kafkaName(raw));
    }

    private static Object hostPorts(String raw) {
        for (String server : raw.split(",", -1)) {
            var m = HOST_PORT.matcher(server.trim());
            if (!m.matches() || Integer.parseInt(m.group(1)) > 65535) {
                throw new IllegalArgumentException("must be host:port[,host:port…]");
            }
        }
        return raw;
    }

    private static Object path(String raw) {
        if (raw.isEmpty()) {
            throw new IllegalArgumentException("must be a directory path");
        }
        try {
            return Path.of(raw);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("is not a file system path");
        }
    }

    /** Empty means none. */
    private static Object optionalPath(String raw) {
        return raw.isEmpty() ? Optional.empty() : Optional.of((Path) path(raw));
    }

    /** Empty means none; the message never repeats the value (it may hold a password). */
    private static Object optionalUrl(String raw) {
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI url = new URI(raw);
            if (url.getScheme() != null
                    && (url.getScheme().equals("http") || url.getScheme().equals("https"))
                    && url.getHost() != null
                    && url.getQuery() == null
                    && url.getFragment() == null) {
                return Optional.of(url);
            }
        } catch (URISyntaxException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("must be an http(s)://host[:port][/path] URL");
    }

    private static Object bool(String raw) {
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("must be true or false");
        };
    }

    private static Object integer(String raw, int min, int max) {
        try {
            int value = Integer.parseInt(raw);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("must be an integer from " + min + " to " + max);
    }

    private static Object positiveDuration(String raw) {
        try {
            Duration duration = Duration.parse(raw);
            if (!duration.isNegative() && !duration.isZero()) {
                return duration;
            }
        } catch (DateTimeParseException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException("must be a positive ISO-8601 duration such as PT5S or PT1M30S");
    }

    /** The values of {@code processing.guarantee}, as Kafka Streams spells them. */
    public enum ProcessingGuarantee {
        EXACTLY_ONCE_V2,
        AT_LEAST_ONCE;

        /** {@code exactly_once_v2}, {@code at_least_once}: the value of Kafka Streams' {@code processing.guarantee}. */
        public String streamsValue() {
            return name().toLowerCase(Locale.ROOT);
        }

        static ProcessingGuarantee parse(String raw) {
            for (ProcessingGuarantee g : values()) {
                if (g.streamsValue().equals(raw.toLowerCase(Locale.ROOT))) {
                    return g;
                }
            }
            throw new IllegalArgumentException("must be one of exactly_once_v2, at_least_once");
        }
    }
}
