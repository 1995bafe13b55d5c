package io.prefectlifecycle.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import kafka.server.Server;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (combined broker and controller) in this JVM, on free ports, with every
 * internal topic at replication factor 1 so consumer groups, Connect and exactly-once Streams work.
 * Topics are not auto-created: producers rely on explicit creation, as in production.
 */
public final class LocalKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);

    private final Path dir;
    private final String bootstrapServers;
    private final Properties props;
    private Server server;
    private boolean stopped;
    private boolean closed;

    private LocalKafka(Path dir, String bootstrapServers, Properties props, Server server) {
        this.dir = dir;
        this.bootstrapServers = bootstrapServers;
        this.props = props;
        this.server = server;
    }

    public static LocalKafka start() throws IOException, TimeoutException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("prefect-cdc-kafka-");
        int port = Support.freePort();
        int controllerPort = Support.freePort();
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", dir.resolve("data").toString()),
                Map.entry("num.partitions", "1"),
                Map.entry("default.replication.factor", "1"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "1"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "1"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0")));
        Server server;
        try {
            Path cfg = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(cfg)) {
                props.store(out, "local KRaft node");
            }
            format(cfg);
            server = newRaftServer(props);
            server.startup();
        } catch (IOException | RuntimeException | Error e) {
            Support.deleteRecursively(dir);
            throw e;
        }
        LocalKafka kafka = new LocalKafka(dir, "127.0.0.1:" + port, props, server);
        try {
            kafka.awaitReady();
        } catch (TimeoutException | RuntimeException | Error e) {
            kafka.close();
            throw e;
        }
        log.info("Kafka (KRaft, 1 node) up at {} in {}", kafka.bootstrapServers, Support.seconds(Support.since(t0)));
        return kafka;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Creates the topics that do not exist yet, with 1 partition and replication factor 1. */
    public void createTopics(Collection<String> topics) throws IOException, InterruptedException {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get();
            Set<NewTopic> missing = topics.stream().filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, 1, (short) 1)).collect(Collectors.toSet());
            admin.createTopics(missing).all().get();
        } catch (ExecutionException e) {
            throw new IOException("could not create topics " + topics + ": " + e.getCause(), e.getCause());
        }
    }

    /**
     * Stops the node as a crash-free shutdown would, keeping its port and log dirs for {@link #restart()}: clients see
     * the broker go away, as in a broker outage.
     */
    public synchronized void stop() {
        if (stopped || closed) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " is not running");
        }
        server.shutdown();
        server.awaitShutdown();
        stopped = true;
        log.info("Kafka at {} stopped (log dirs kept)", bootstrapServers);
    }

    /** Starts the node stopped by {@link #stop()} again on the same port and log dirs; returns once it serves. */
    public synchronized void restart() throws TimeoutException {
        if (!stopped || closed) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " was not stopped");
        }
        long t0 = System.nanoTime();
        server = newRaftServer(props);
        server.startup();
        stopped = false;
        awaitReady();
        log.info("Kafka at {} restarted in {}", bootstrapServers, Support.seconds(Support.since(t0)));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!stopped) {
            server.shutdown();
            server.awaitShutdown();
        }
        Support.deleteRecursively(dir);
        log.info("Kafka at {} stopped", bootstrapServers);
    }

    private void awaitReady() throws TimeoutException {
        try (Admin admin = admin()) {
            Support.await("Kafka at " + bootstrapServers, Duration.ofSeconds(60), Duration.ofMillis(100),
                    () -> admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()
                            ? Optional.empty() : Optional.of(true));
        }
    }

    /**
     * {@code new KafkaRaftServer(KafkaConfig.fromProps(props), Time.SYSTEM)}, reflectively: kafka_2.13
     * declares kafka-server (KafkaConfig's superclass) as a runtime-only dependency, so javac cannot
     * see KafkaConfig's type hierarchy.
     */
    private static Server newRaftServer(Properties props) {
        try {
            Class<?> configClass = Class.forName("kafka.server.KafkaConfig");
            Object config = configClass.getMethod("fromProps", Properties.class).invoke(null, props);
            return (Server) Class.forName("kafka.server.KafkaRaftServer").getConstructor(configClass, Time.class)
                    .newInstance(config, Time.SYSTEM);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kafka_2.13 is not on the classpath as expected", e);
        }
    }

    private static void format(Path cfg) throws IOException {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc = StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()},
                new PrintStream(output, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException("kafka storage format failed (" + rc + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }
}
