package io.prefectlifecycle.app;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The first contact with the cluster, told apart by cause so that each fails in seconds with its own message:
 * credentials rejected (a SASL or TLS authentication error, which Kafka's clients do not retry), a broker that drops
 * every connection (a client without SASL or TLS talking to a listener that expects it: Kafka's clients would retry
 * that until the timeout), or no answer at all.
 */
public final class ClusterLogin {

    /**
     * Where and how a client connects.
     *
     * @param bootstrapServers the addresses
     * @param bootstrapOrigin  where they came from, for messages
     * @param settings         the Kafka client settings given (values are read, only protocol and mechanism shown)
     * @param origins          key → where it came from
     */
    public record Target(
            String bootstrapServers,
            String bootstrapOrigin,
            Map<String, String> settings,
            Map<String, String> origins) {
        static Target of(AppConfig config) {
            return new Target(
                    config.bootstrapServers(),
                    Setting.BOOTSTRAP_SERVERS.key() + " from "
                            + config.origins().get(Setting.BOOTSTRAP_SERVERS),
                    config.kafka().values(),
                    config.kafka().origins());
        }
    }

    /** The cluster cannot be used with these settings; the message says why and what to set. */
    public static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    /** Connections the broker accepted and then closed, without the call getting an answer, before giving up. */
    static final int DROPPED_CONNECTIONS = 5;

    private static final Duration POLL = Duration.ofMillis(100);

    private ClusterLogin() {}

    /** Waits for the cluster's brokers; the number of them. */
    public static int brokers(Admin admin, Target target, Duration timeout) throws Failed, InterruptedException {
        KafkaFuture<? extends Collection<?>> nodes = admin.describeCluster().nodes();
        long deadline = System.nanoTime() + timeout.plusSeconds(5).toNanos();
        try {
            while (true) {
                try {
                    return nodes.get(POLL.toMillis(), TimeUnit.MILLISECONDS).size();
                } catch (TimeoutException e) {
                    long dropped = dropped(admin.metrics());
                    if (dropped >= DROPPED_CONNECTIONS) {
                        throw new Failed(droppingEverything(target, dropped));
                    }
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException rejected) {
                throw new Failed(rejected(target, rejected));
            }
            throw unreachable(target, timeout, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(target, timeout, e);
        }
    }

    /**
     * For the client commands ({@code replay}, {@code tail}): the same first contact, through a short-lived admin
     * client with their settings, so that they fail as fast and as clearly as {@code run}.
     */
    public static void check(Properties clientProperties, String origin, Duration timeout)
            throws Failed, InterruptedException {
        Map<String, String> settings = new HashMap<>();
        Map<String, String> origins = new HashMap<>();
        clientProperties.stringPropertyNames().forEach(key -> {
            settings.put(key, clientProperties.getProperty(key));
            origins.put(key, origin);
        });
        Target target = new Target(
                settings.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG), "bootstrap.servers", settings, origins);
        Map<String, Object> adminConfig = new HashMap<>();
        Set<String> adminKeys = AdminClientConfig.configNames();
        settings.forEach((key, value) -> {
            if (adminKeys.contains(key)) {
                adminConfig.put(key, value);
            }
        });
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        Admin admin;
        try {
            admin = Admin.create(adminConfig);
        } catch (KafkaException e) {
            throw new Failed(uncreatable(target, e));
        }
        try {
            brokers(admin, target, timeout);
        } finally {
            admin.close(Duration.ZERO);
        }
    }

    /** Why a client could not even be created, in the terms of the settings a user sets. */
    static String uncreatable(Target target, Throwable cause) {
        String protocol = setting(target, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        if (protocol.startsWith("SASL") && !target.settings().containsKey(SaslConfigs.SASL_JAAS_CONFIG)) {
            return "security.protocol=" + protocol + " needs the app's credentials, and sasl.jaas.config is not set: "
                    + "set KAFKA_SASL_JAAS_CONFIG (or sasl.jaas.config in the config file), e.g. "
                    + "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"…\" "
                    + "password=\"…\"; (" + ThreadFailurePolicy.describe(cause) + ")";
        }
        return "cannot create a Kafka client with the given settings: " + ThreadFailurePolicy.describe(cause);
    }

    private static String droppingEverything(Target target, long dropped) {
        return "the Kafka cluster at " + where(target) + " closes every connection before answering (" + dropped
                + " so far): its listener most likely requires authentication (SASL) or TLS, and security.protocol is "
                + setting(target, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                + origin(target, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "the default") + "; for SASL set "
                + "security.protocol, sasl.mechanism and sasl.jaas.config (KAFKA_SECURITY_PROTOCOL, "
                + "KAFKA_SASL_MECHANISM, KAFKA_SASL_JAAS_CONFIG, or the config file)";
    }

    private static String rejected(Target target, AuthenticationException e) {
        return "authentication failed: the Kafka cluster at " + where(target) + " rejected the credentials ("
                + e.getMessage() + "); check the user and password in "
                + "sasl.jaas.config" + origin(target, SaslConfigs.SASL_JAAS_CONFIG) + ", sasl.mechanism="
                + setting(target, SaslConfigs.SASL_MECHANISM, "GSSAPI") + origin(target, SaslConfigs.SASL_MECHANISM)
                + " and security.protocol=" + setting(target, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                + origin(target, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
    }

    private static Failed unreachable(Target target, Duration timeout, Throwable cause) {
        return new Failed("cannot reach the Kafka cluster at " + where(target) + " within "
                + timeout.toSeconds() + " s: "
                + BrokerAddresses.whyUnreachable(target.bootstrapServers()).orElse("no broker answered")
                + "; check the address and the Kafka client settings (security.protocol, sasl.*, ssl.*)");
    }

    /** Connections established and closed again: refused connections do not count, they are never established. */
    private static long dropped(Map<MetricName, ? extends Metric> metrics) {
        return Math.min(total(metrics, "connection-creation-total"), total(metrics, "connection-close-total"));
    }

    private static long total(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream()
                .filter(e ->
                        e.getKey().name().equals(name) && e.getKey().group().equals("admin-client-metrics"))
                .mapToLong(e -> ((Number) e.getValue().metricValue()).longValue())
                .max()
                .orElse(0);
    }

    private static String where(Target target) {
        return target.bootstrapServers() + " (" + target.bootstrapOrigin() + ")";
    }

    /** A Kafka client setting's value (never for secrets: only protocol and mechanism are shown). */
    private static String setting(Target target, String key, String fallback) {
        return target.settings().getOrDefault(key, fallback);
    }

    private static String origin(Target target, String key) {
        return origin(target, key, "not set");
    }

    private static String origin(Target target, String key, String unset) {
        String origin = target.origins().get(key);
        return origin == null ? " (" + unset + ")" : " (from " + origin + ")";
    }
}
