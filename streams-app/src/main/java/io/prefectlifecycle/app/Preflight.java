package io.prefectlifecycle.app;

import io.prefectlifecycle.avro.AvroEventEncoder;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryException;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks before Kafka Streams starts, so that a misconfigured pod fails at once with one clear line instead of
 * retrying in the background: the state directory is writable, the cluster answers and accepts the app's credentials
 * (with the same client settings as the app, SASL/SSL included), the app's principal has the ACLs it needs, and the
 * output topics exist or can be created.
 */
final class Preflight {

    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    /** How long the cluster may take to answer each step. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A check failed; the message says which setting to look at. */
    static final class Failed extends Exception {
        Failed(String message) {
            super(message);
        }
    }

    private static final String UNDESCRIBABLE = "cannot be described";

    private Preflight() {}

    static void check(AppConfig config, List<TopologySettings> sources) throws Failed, InterruptedException {
        check(config, sources, TIMEOUT);
    }

    /** Every check, for every source: each one's change stream is one partition, or not there yet. */
    static void check(AppConfig config, List<TopologySettings> sources, Duration timeout)
            throws Failed, InterruptedException {
        stateDirectory(config);
        schemaRegistry(config, sources);
        Map<String, Object> adminConfig = new HashMap<>(config.kafka().forAdmin());
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, config.applicationId() + "-preflight");
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        adminConfig.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis() / 2);
        Admin admin;
        try {
            admin = Admin.create(adminConfig);
        } catch (KafkaException e) {
            throw new Failed(ClusterLogin.uncreatable(ClusterLogin.Target.of(config), e));
        }
        try {
            int brokers;
            try {
                brokers = ClusterLogin.brokers(admin, ClusterLogin.Target.of(config), timeout);
            } catch (ClusterLogin.Failed e) {
                throw new Failed(e.getMessage());
            }
            LOG.info("Kafka cluster at {} answers: {} broker(s)", config.bootstrapServers(), brokers);
            for (TopologySettings source : sources) {
                Authorizations.cdcTopics(admin, source, timeout);
            }
            outputTopics(admin, config, sources, timeout);
            Authorizations.group(admin, config, timeout);
            Authorizations.transactionalIds(admin, config, timeout);
            for (TopologySettings source : sources) {
                inputTopics(admin, source, sources.size() > 1, timeout);
            }
        } finally {
            // pending calls are dropped, not awaited: SIGTERM during the checks stops at once
            admin.close(Duration.ZERO);
        }
    }

    /**
     * The registry answers; for Avro events without auto-registration, the event schema is registered under the
     * events topic's subject.
     */
    static void schemaRegistry(AppConfig config, List<TopologySettings> sources) throws Failed {
        TopologySettings topology = sources.get(0);
        Optional<SchemaRegistrySettings> settings = topology.schemaRegistry();
        if (settings.isEmpty()) {
            return;
        }
        SchemaRegistryClient registry = new SchemaRegistryClient(settings.get().url());
        String origin = " (" + Setting.SCHEMA_REGISTRY_URL.key() + " from "
                + config.origins().get(Setting.SCHEMA_REGISTRY_URL) + ")";
        try {
            registry.subjects();
            if (topology.eventFormat() == EventFormat.AVRO && !settings.get().autoRegister()) {
                for (String events : sources.stream()
                        .map(TopologySettings::eventsTopic)
                        .distinct()
                        .toList()) {
                    new AvroEventEncoder(registry, events, false).schemaId();
                }
            }
        } catch (SchemaRegistryException e) {
            throw new Failed("schema registry: " + e.getMessage() + origin);
        }
        LOG.info("schema registry {} answers", registry.url());
    }

    private static void stateDirectory(AppConfig config) throws Failed {
        Path dir = config.stateDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new Failed(Setting.STATE_DIR.key() + ": cannot create " + dir + " (from "
                    + config.origins().get(Setting.STATE_DIR) + "): "
                    + e.getClass().getSimpleName()
                    + "; mount a writable volume there or set " + Setting.STATE_DIR.flag());
        }
        if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
            throw new Failed(Setting.STATE_DIR.key() + ": " + dir + " (from "
                    + config.origins().get(Setting.STATE_DIR)
                    + ") is not a writable directory; mount a writable volume there or set "
                    + Setting.STATE_DIR.flag());
        }
    }

    private static void outputTopics(Admin admin, AppConfig config, List<TopologySettings> sources, Duration timeout)
            throws Failed, InterruptedException {
        Map<String, Setting> outputs = new LinkedHashMap<>();
        sources.forEach(source -> outputs.put(source.eventsTopic(), Setting.EVENTS_TOPIC));
        outputs.put(sources.get(0).deadLetterTopic(), Setting.DEAD_LETTER_TOPIC);
        Set<String> missing = new LinkedHashSet<>();
        Map<String, KafkaFuture<TopicDescription>> described =
                admin.describeTopics(outputs.keySet()).topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> entry : described.entrySet()) {
            try {
                entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(entry.getKey());
                } else {
                    throw topicFailure(
                            config, outputs.get(entry.getKey()), entry.getKey(), UNDESCRIBABLE, e.getCause());
                }
            } catch (TimeoutException e) {
                throw topicFailure(config, outputs.get(entry.getKey()), entry.getKey(), UNDESCRIBABLE, e);
            }
        }
        if (missing.isEmpty()) {
            Authorizations.outputTopics(admin, outputs, config, timeout);
            return;
        }
        // partitions and replication factor: the broker's defaults
        List<NewTopic> topics = missing.stream()
                .map(t -> new NewTopic(t, Optional.empty(), Optional.empty()))
                .toList();
        Map<String, KafkaFuture<Void>> created = admin.createTopics(topics).values();
        for (String topic : missing) {
            try {
                created.get(topic).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("created the output topic {}", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw topicFailure(
                            config, outputs.get(topic), topic, "is missing and could not be created", e.getCause());
                }
            } catch (TimeoutException e) {
                throw topicFailure(config, outputs.get(topic), topic, "is missing and could not be created", e);
            }
        }
        Authorizations.outputTopics(admin, outputs, config, timeout);
    }

    /**
     * The change stream appears when Debezium first writes to it: not there yet is worth a warning, not a failure (the
     * app picks it up when it appears), unless the connector still writes one topic per table, which this app no longer
     * reads. More than one partition is refused: the topic is the database's commit order, which only one partition
     * keeps (docs/adr/0004).
     */
    private static void inputTopics(Admin admin, TopologySettings topology, boolean named, Duration timeout)
            throws Failed, InterruptedException {
        String cdc = topology.cdcTopic();
        String of = named ? " (source " + topology.source() + ")" : "";
        try {
            Set<String> names = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!names.contains(cdc)) {
                String prefix = cdc.endsWith(".cdc") ? cdc.substring(0, cdc.length() - ".cdc".length()) : null;
                if (prefix != null && names.contains(prefix + ".transaction")) {
                    LOG.warn(
                            "no topic {}{} yet, but {}.transaction exists: the connector still writes one topic per "
                                    + "table; register connect-config/prefect-connector.json again (its transforms route "
                                    + "every table and BEGIN/END into {}; docs/operations.md, Upgrading)",
                            cdc,
                            of,
                            prefix,
                            cdc);
                } else {
                    LOG.warn(
                            "no topic {}{} yet: is the Debezium connector (connect-config/) registered? The app "
                                    + "starts reading it when it appears",
                            cdc,
                            of);
                }
                return;
            }
            TopicDescription description = admin.describeTopics(List.of(cdc))
                    .allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(cdc);
            if (description.partitions().size() != 1) {
                throw new Failed("the CDC topic " + cdc + of + " has "
                        + description.partitions().size() + " partitions: "
                        + "it must have one, the database's commit order (docs/adr/0004); recreate it with one "
                        + "partition (Debezium's topic.creation.default.partitions=1)");
            }
            LOG.info("input topic: {}{}", cdc, of);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot describe the input topic {}{}: {}", cdc, of, ThreadFailurePolicy.describe(e));
        }
    }

    private static Failed topicFailure(AppConfig config, Setting setting, String topic, String what, Throwable cause) {
        String origin = " (" + setting.key() + " from " + config.origins().get(setting) + ")";
        if (cause instanceof TopicAuthorizationException && what.equals(UNDESCRIBABLE)) {
            return new Failed("not authorized to WRITE to the output topic " + topic + origin + ": the app's principal "
                    + "may not even describe it; grant it WRITE on the topic (docs/operations.md, Secured Kafka)");
        }
        if (cause instanceof TopicAuthorizationException) {
            return new Failed("output topic " + topic + origin + " is missing and the app's principal is not "
                    + "authorized to CREATE it: create it beforehand, or grant CREATE on it");
        }
        return new Failed("output topic " + topic + " (" + setting.key() + " from "
                + config.origins().get(setting)
                + ") " + what + ": " + ThreadFailurePolicy.describe(cause)
                + "; create it, or grant the app's principal CREATE and DESCRIBE on it");
    }
}
