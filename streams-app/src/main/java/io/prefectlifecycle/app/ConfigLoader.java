package io.prefectlifecycle.app;

import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.topology.TopologySettings;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Resolves every {@link Setting} through the layers default &lt; file &lt; environment &lt; flag, then validates
 * them all, so that one start reports every problem. Kafka client settings come from the file ({@code kafka.*}) and
 * the environment ({@code KAFKA_*}); those naming one of the app's own settings ({@code KAFKA_BOOTSTRAP_SERVERS})
 * count as that setting, in their layer.
 */
final class ConfigLoader {

    /** Kafka client settings that are settings of the app. */
    private static final Map<String, Setting> OWN_KAFKA_KEYS = Map.of(
            "bootstrap.servers", Setting.BOOTSTRAP_SERVERS,
            "application.id", Setting.APPLICATION_ID,
            "processing.guarantee", Setting.PROCESSING_GUARANTEE,
            "state.dir", Setting.STATE_DIR,
            "num.standby.replicas", Setting.STANDBY_REPLICAS);

    /** A value as written and where it came from. */
    private record Raw(String value, String origin) {}

    private final Map<String, String> env;
    private final Map<Setting, String> flags;
    private final List<String> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    ConfigLoader(Map<String, String> env, Map<Setting, String> flags) {
        this.env = env;
        this.flags = flags;
    }

    AppConfig load() throws InvalidConfigException {
        Map<Setting, Raw> raw = new EnumMap<>(Setting.class);
        for (Setting setting : Setting.values()) {
            raw.put(setting, new Raw(setting.defaultValue(), "default"));
        }
        Map<String, Raw> kafka = new TreeMap<>();

        Optional<Raw> configFile = Optional.ofNullable(flags.get(Setting.CONFIG_FILE))
                .map(v -> new Raw(v, "flag " + Setting.CONFIG_FILE.flag()))
                .or(() -> Optional.ofNullable(env.get(Setting.CONFIG_FILE.env()))
                        .map(v -> new Raw(v, "environment variable " + Setting.CONFIG_FILE.env())));
        configFile.ifPresent(file -> {
            raw.put(Setting.CONFIG_FILE, file);
            if (!file.value().isBlank()) {
                readFile(file, raw, kafka);
            }
        });
        readEnvironment(raw, kafka);
        flags.forEach((setting, value) -> raw.put(setting, new Raw(value, "flag " + setting.flag())));

        Map<Setting, Object> values = new EnumMap<>(Setting.class);
        Map<Setting, String> origins = new EnumMap<>(Setting.class);
        for (Map.Entry<Setting, Raw> entry : raw.entrySet()) {
            Setting setting = entry.getKey();
            Raw value = entry.getValue();
            origins.put(setting, value.origin());
            try {
                values.put(setting, setting.parse(value.value()));
            } catch (IllegalArgumentException e) {
                problems.add(setting.key() + ": '" + setting.shown(value.value()) + "' from " + value.origin() + " "
                        + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            crossCheck(values, origins);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        Map<String, String> kafkaValues = new LinkedHashMap<>();
        Map<String, String> kafkaOrigins = new LinkedHashMap<>();
        kafka.forEach((key, value) -> {
            kafkaValues.put(key, value.value());
            kafkaOrigins.put(key, value.origin());
        });
        return AppConfig.of(values, new KafkaClientSettings(kafkaValues, kafkaOrigins), origins, warnings);
    }

    /** The output topics must be two topics, neither of them an input topic; Avro events need a registry. */
    private void crossCheck(Map<Setting, Object> values, Map<Setting, String> origins) {
        if (values.get(Setting.EVENT_FORMAT) == EventFormat.AVRO
                && ((Optional<?>) values.get(Setting.SCHEMA_REGISTRY_URL)).isEmpty()) {
            problems.add(Setting.EVENT_FORMAT.key() + ": avro (" + origins.get(Setting.EVENT_FORMAT) + ") needs "
                    + Setting.SCHEMA_REGISTRY_URL.key() + " (" + Setting.SCHEMA_REGISTRY_URL.env() + ", "
                    + Setting.SCHEMA_REGISTRY_URL.flag() + ")");
        }
        Object events = values.get(Setting.EVENTS_TOPIC);
        Object deadLetters = values.get(Setting.DEAD_LETTER_TOPIC);
        if (events.equals(deadLetters)) {
            problems.add(Setting.DEAD_LETTER_TOPIC.key() + ": must differ from " + Setting.EVENTS_TOPIC.key() + " ("
                    + origins.get(Setting.DEAD_LETTER_TOPIC) + ", " + origins.get(Setting.EVENTS_TOPIC) + ")");
        }
        @SuppressWarnings("unchecked")
        List<CdcSource> sources = (List<CdcSource>) values.get(Setting.SOURCES);
        if (!sources.isEmpty()) {
            // the value a base configuration states explicitly (deploy/k8s sets topic.prefix=prefect) is no conflict
            for (Setting single : List.of(Setting.TOPIC_PREFIX, Setting.CDC_TOPIC)) {
                if (!single.parse(single.defaultValue()).equals(values.get(single))) {
                    problems.add(single.key() + ": set (" + origins.get(single) + ") together with "
                            + Setting.SOURCES.key() + " (" + origins.get(Setting.SOURCES) + "): with sources, each "
                            + "names its own topic prefix; leave " + single.key() + " unset");
                }
            }
        }
        List<String> inputs = sources.isEmpty()
                ? List.of(AppConfig.cdcTopic(values))
                : sources.stream().map(CdcSource::cdcTopic).toList();
        boolean perSource = (Boolean) values.get(Setting.EVENTS_TOPIC_PER_SOURCE);
        List<String> names = sources.isEmpty()
                ? List.of(TopologySettings.DEFAULT_SOURCE)
                : sources.stream().map(CdcSource::name).toList();
        Map<String, Setting> outputs = new LinkedHashMap<>();
        for (String name : names) {
            outputs.put(perSource ? events + "." + name : (String) events, Setting.EVENTS_TOPIC);
        }
        outputs.put((String) deadLetters, Setting.DEAD_LETTER_TOPIC);
        outputs.forEach((topic, output) -> {
            if (inputs.contains(topic)) {
                problems.add(output.key() + ": '" + topic + "' from " + origins.get(output) + " is an input topic");
            }
        });
        if (perSource && names.stream().anyMatch(name -> (events + "." + name).equals(deadLetters))) {
            problems.add(Setting.DEAD_LETTER_TOPIC.key() + ": '" + deadLetters + "' is also a source's events topic");
        }
    }

    private void readFile(Raw file, Map<Setting, Raw> raw, Map<String, Raw> kafka) {
        Path path;
        Properties properties = new Properties();
        try {
            path = Path.of(file.value().trim());
            try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
        } catch (IOException | IllegalArgumentException e) {
            problems.add(
                    Setting.CONFIG_FILE.key() + ": cannot read '" + file.value().trim() + "' from " + file.origin()
                            + ": " + e.getClass().getSimpleName());
            return;
        }
        String origin = "file " + path;
        Map<Setting, Raw> fromFile = new EnumMap<>(Setting.class);
        for (String key : new TreeSet<>(properties.stringPropertyNames())) {
            String value = properties.getProperty(key);
            if (key.startsWith(KafkaClientSettings.FILE_PREFIX)) {
                String kafkaKey = key.substring(KafkaClientSettings.FILE_PREFIX.length());
                if (!KafkaClientSettings.isKnown(kafkaKey) && !OWN_KAFKA_KEYS.containsKey(kafkaKey)) {
                    warnings.add(
                            origin + ": " + key + " is not a setting Kafka's clients know; passed through as given");
                }
                kafkaEntry(kafkaKey, new Raw(value, origin + ", key " + key), fromFile, kafka);
            } else if (key.equals(Setting.CONFIG_FILE.key())) {
                problems.add(key + ": cannot be set in the file itself (" + origin + ")");
            } else if (Setting.RETIRED.containsKey(key)) {
                warnings.add(origin + ": " + key + " is no longer used: " + Setting.RETIRED.get(key));
            } else {
                Optional<Setting> setting = Setting.forKey(key);
                if (setting.isEmpty()) {
                    problems.add(origin + ": unknown key '" + key + "': not a setting (see run --help) nor a Kafka "
                            + "client setting (prefix kafka.)");
                } else {
                    own(setting.get(), new Raw(value, origin), fromFile);
                }
            }
        }
        raw.putAll(fromFile);
    }

    private void readEnvironment(Map<Setting, Raw> raw, Map<String, Raw> kafka) {
        Map<Setting, Raw> fromEnv = new EnumMap<>(Setting.class);
        List<String> ignored = new ArrayList<>();
        for (String variable : new TreeMap<>(env).keySet()) {
            String value = env.get(variable);
            if (variable.startsWith(Setting.ENV_PREFIX)) {
                Optional<Setting> setting = Arrays.stream(Setting.values())
                        .filter(s -> s.env().equals(variable))
                        .findFirst();
                if (setting.isPresent() && setting.get() != Setting.CONFIG_FILE) {
                    own(setting.get(), new Raw(value, "environment variable " + variable), fromEnv);
                } else if (setting.isEmpty() && retired(variable).isPresent()) {
                    warnings.add("environment variable " + variable + " is no longer used: "
                            + Setting.RETIRED.get(retired(variable).get()));
                } else if (setting.isEmpty() && !Setting.OTHER_ENV_VARS.contains(variable)) {
                    warnings.add("environment variable " + variable + " is not a setting: ignored");
                }
            } else {
                Optional<String> key = KafkaClientSettings.keyOfEnv(variable);
                if (key.isEmpty()) {
                    continue;
                }
                if (KafkaClientSettings.isKnown(key.get()) || OWN_KAFKA_KEYS.containsKey(key.get())) {
                    kafkaEntry(key.get(), new Raw(value, "environment variable " + variable), fromEnv, kafka);
                } else {
                    ignored.add(variable);
                }
            }
        }
        if (!ignored.isEmpty()) {
            // Kubernetes defines KAFKA_PORT, KAFKA_SERVICE_HOST, … for a Service named kafka: not client settings
            warnings.add(
                    "environment variables " + String.join(", ", ignored) + " name no Kafka client setting: ignored");
        }
        raw.putAll(fromEnv);
    }

    /** The retired setting whose variable this is. */
    private static Optional<String> retired(String variable) {
        return Setting.RETIRED.keySet().stream()
                .filter(key ->
                        (Setting.ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_')).equals(variable))
                .findFirst();
    }

    private void kafkaEntry(String key, Raw value, Map<Setting, Raw> layer, Map<String, Raw> kafka) {
        Setting own = OWN_KAFKA_KEYS.get(key);
        if (own != null) {
            own(own, value, layer);
        } else {
            kafka.put(key, value);
        }
    }

    /** Puts a setting into its layer; the same setting given twice in one layer must agree. */
    private void own(Setting setting, Raw value, Map<Setting, Raw> layer) {
        Raw earlier = layer.get(setting);
        if (earlier != null && !earlier.value().trim().equals(value.value().trim())) {
            problems.add(setting.key() + ": set differently by " + earlier.origin() + " and " + value.origin());
            return;
        }
        layer.put(setting, value);
    }
}
