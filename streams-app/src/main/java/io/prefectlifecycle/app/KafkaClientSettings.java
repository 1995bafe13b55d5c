package io.prefectlifecycle.app;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Kafka client settings passed through to every client of the app (Kafka Streams' consumers, producer and admin,
 * and the pre-flight admin): {@code KAFKA_<NAME>} environment variables ({@code KAFKA_SASL_JAAS_CONFIG} →
 * {@code sasl.jaas.config}) and {@code kafka.}-prefixed keys of the config file. Values may be secrets
 * ({@code sasl.jaas.config}, {@code ssl.keystore.password}): they are never logged or shown; {@link #toString}
 * lists the keys only.
 *
 * @param values  key → value, as Kafka spells the key
 * @param origins key → where it came from
 */
public record KafkaClientSettings(Map<String, String> values, Map<String, String> origins) {

    static final String ENV_PREFIX = "KAFKA_";
    static final String FILE_PREFIX = "kafka.";

    /** Client prefixes Kafka Streams understands ({@code producer.linger.ms}, {@code main.consumer.…}). */
    private static final List<String> CLIENT_PREFIXES = List.of(
            StreamsConfig.MAIN_CONSUMER_PREFIX,
            StreamsConfig.RESTORE_CONSUMER_PREFIX,
            StreamsConfig.GLOBAL_CONSUMER_PREFIX,
            StreamsConfig.CONSUMER_PREFIX,
            StreamsConfig.PRODUCER_PREFIX,
            StreamsConfig.ADMIN_CLIENT_PREFIX);

    private static final Set<String> KNOWN = known();

    public KafkaClientSettings {
        values = Map.copyOf(values);
        origins = Map.copyOf(origins);
    }

    /** The Kafka setting an environment variable names, if it is {@code KAFKA_<NAME>}. */
    public static Optional<String> keyOfEnv(String variable) {
        if (!variable.startsWith(ENV_PREFIX) || variable.length() == ENV_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(
                variable.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
    }

    /** Whether Kafka's clients or Kafka Streams know the key (with or without a client prefix such as {@code producer.}). */
    public static boolean isKnown(String key) {
        if (KNOWN.contains(key) || key.startsWith(StreamsConfig.TOPIC_PREFIX)) {
            return true;
        }
        return CLIENT_PREFIXES.stream().anyMatch(p -> key.startsWith(p) && KNOWN.contains(key.substring(p.length())));
    }

    /** The settings an admin client understands, for the pre-flight check. */
    public Map<String, Object> forAdmin() {
        Set<String> admin = AdminClientConfig.configNames();
        return values.entrySet().stream()
                .filter(e -> admin.contains(e.getKey()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Override
    public String toString() {
        return new TreeMap<>(origins)
                .entrySet().stream()
                        .map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .collect(Collectors.joining(", ", "[", "]"));
    }

    private static Set<String> known() {
        Set<String> names = new HashSet<>(StreamsConfig.configDef().names());
        names.addAll(ConsumerConfig.configNames());
        names.addAll(ProducerConfig.configNames());
        names.addAll(AdminClientConfig.configNames());
        return Set.copyOf(names);
    }
}
