package io.prefectlifecycle.app;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The first contact with the cluster, told apart by cause so that each fails in seconds with its own message:
 * credentials rejected (a SASL or TLS authentication error, which Kafka's clients do not retry), a broker that drops
 * every connection (a client without SASL or TLS talking to a listener that expects it: Kafka's clients would retry
 * that until the timeout), or no answer at all.
 */
final class ClusterLogin {

    /** Connections the broker accepted and then closed, without the call getting an answer, before giving up. */
    static final int DROPPED_CONNECTIONS = 5;
    private static final Duration POLL = Duration.ofMillis(100);

    private ClusterLogin() {
    }

    /** Waits for the cluster's brokers; the number of them. */
    static int brokers(Admin admin, AppConfig config, Duration timeout) throws Preflight.Failed, InterruptedException {
        KafkaFuture<? extends Collection<?>> nodes = admin.describeCluster().nodes();
        long deadline = System.nanoTime() + timeout.plusSeconds(5).toNanos();
        try {
            while (true) {
                try {
                    return nodes.get(POLL.toMillis(), TimeUnit.MILLISECONDS).size();
                } catch (TimeoutException e) {
                    if (dropped(admin.metrics()) >= DROPPED_CONNECTIONS) {
                        throw new Preflight.Failed("the Kafka cluster at " + where(config) + " closes every connection "
                                + "before answering (" + dropped(admin.metrics()) + " so far): its listener most "
                                + "likely requires authentication (SASL) or TLS, and security.protocol is "
                                + setting(config, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                                + origin(config, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG) + "; for SASL set "
                                + "KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG (or "
                                + "kafka.* keys in the config file)");
                    }
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof AuthenticationException rejected) {
                throw new Preflight.Failed(rejected(config, rejected));
            }
            throw unreachable(config, timeout, e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(config, timeout, e);
        }
    }

    /** Why a client could not even be created, in the terms of the settings a user sets. */
    static String uncreatable(AppConfig config, Throwable cause) {
        String protocol = setting(config, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        if (protocol.startsWith("SASL") && !config.kafka().values().containsKey(SaslConfigs.SASL_JAAS_CONFIG)) {
            return "security.protocol=" + protocol + " needs the app's credentials, and sasl.jaas.config is not set: "
                    + "set KAFKA_SASL_JAAS_CONFIG (or kafka.sasl.jaas.config in the config file), e.g. "
                    + "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"…\" "
                    + "password=\"…\"; (" + ThreadFailurePolicy.describe(cause) + ")";
        }
        return "cannot create a Kafka client with the given settings: " + ThreadFailurePolicy.describe(cause);
    }

    private static String rejected(AppConfig config, AuthenticationException e) {
        return "authentication failed: the Kafka cluster at " + where(config) + " rejected the app's credentials ("
                + e.getClass().getSimpleName() + ": " + e.getMessage() + "); check the user and password in "
                + "sasl.jaas.config" + origin(config, SaslConfigs.SASL_JAAS_CONFIG) + ", sasl.mechanism="
                + setting(config, SaslConfigs.SASL_MECHANISM, "GSSAPI") + origin(config, SaslConfigs.SASL_MECHANISM)
                + " and security.protocol=" + setting(config, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT")
                + origin(config, CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
    }

    private static Preflight.Failed unreachable(AppConfig config, Duration timeout, Throwable cause) {
        return new Preflight.Failed("cannot reach the Kafka cluster at " + where(config) + " within "
                + timeout.toSeconds() + " s: " + ThreadFailurePolicy.describe(cause)
                + "; check the address and the Kafka client settings (security.protocol, sasl.*, ssl.*)");
    }

    /** Connections established and closed again: refused connections do not count, they are never established. */
    private static long dropped(Map<MetricName, ? extends Metric> metrics) {
        return Math.min(total(metrics, "connection-creation-total"), total(metrics, "connection-close-total"));
    }

    private static long total(Map<MetricName, ? extends Metric> metrics, String name) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().name().equals(name) && e.getKey().group().equals("admin-client-metrics"))
                .mapToLong(e -> ((Number) e.getValue().metricValue()).longValue()).max().orElse(0);
    }

    private static String where(AppConfig config) {
        return config.bootstrapServers() + " (" + Setting.BOOTSTRAP_SERVERS.key() + " from "
                + config.origins().get(Setting.BOOTSTRAP_SERVERS) + ")";
    }

    /** A Kafka client setting's value (never for secrets: only protocol and mechanism are shown). */
    private static String setting(AppConfig config, String key, String fallback) {
        return config.kafka().values().getOrDefault(key, fallback);
    }

    private static String origin(AppConfig config, String key) {
        String origin = config.kafka().origins().get(key);
        return origin == null ? " (not set)" : " (from " + origin + ")";
    }
}
