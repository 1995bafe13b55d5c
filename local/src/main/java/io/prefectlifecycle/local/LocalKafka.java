package io.prefectlifecycle.local;

import kafka.server.Server;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * A single-node KRaft Kafka (combined broker and controller) in this JVM, on free ports, with every
 * internal topic at replication factor 1 so consumer groups, Connect and exactly-once Streams work.
 * Topics are not auto-created: producers rely on explicit creation, as in production.
 *
 * <p>{@link #startSecured} starts it as a secured production cluster is set up: clients authenticate with
 * SASL/SCRAM-SHA-512 ({@code SASL_PLAINTEXT}), ACLs are enforced by {@code StandardAuthorizer} (nothing is allowed
 * without one), and the given admin is the only super user; the controller listener takes SASL/PLAIN, since
 * SCRAM credentials live in the metadata the controller serves.
 */
public final class LocalKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);

    /** The SASL mechanism clients of a secured broker use. */
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    /** A SCRAM user: name and password. */
    public record ScramUser(String name, String password) {
        /** {@code sasl.jaas.config} for a client logging in as this user. */
        public String jaasConfig() {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name
                    + "\" password=\"" + password + "\";";
        }

        /** The client settings (besides {@code bootstrap.servers}) of this user on a secured broker. */
        public Map<String, String> clientSettings() {
            return Map.of(
                    "security.protocol",
                    "SASL_PLAINTEXT",
                    "sasl.mechanism",
                    SCRAM_MECHANISM,
                    "sasl.jaas.config",
                    jaasConfig());
        }

        @Override
        public String toString() {
            return "ScramUser[" + name + "]"; // never the password
        }
    }

    private final Path dir;
    /** Whether {@link #close()} leaves {@link #dir} in place ({@link #startIn}). */
    private final boolean keepDir;

    private final String bootstrapServers;
    private final Map<String, String> adminSettings;
    /** The node's settings, to start it again after {@link #stop()}. */
    private final Properties props;

    private Server server;
    private boolean stopped;
    private boolean closed;
    /** For {@link #problem()}: one client kept, not one per probe. */
    private Admin probe;

    private LocalKafka(
            Path dir,
            boolean keepDir,
            String bootstrapServers,
            Map<String, String> adminSettings,
            Properties props,
            Server server) {
        this.dir = dir;
        this.keepDir = keepDir;
        this.bootstrapServers = bootstrapServers;
        this.adminSettings = Map.copyOf(adminSettings);
        this.props = props;
        this.server = server;
    }

    /** An open broker: PLAINTEXT, no authorizer. */
    public static LocalKafka start() throws IOException, TimeoutException {
        return start(Optional.empty(), Optional.empty());
    }

    /**
     * An open broker whose log dirs (topics, consumer offsets, Connect's offsets) live in {@code dir} and stay there
     * after {@link #close()}: started again on the same {@code dir}, in this process or a later one, it serves what it
     * held, on new ports.
     */
    public static LocalKafka startIn(Path dir) throws IOException, TimeoutException {
        return start(Optional.empty(), Optional.of(dir));
    }

    /**
     * A secured broker: SASL/SCRAM-SHA-512 on {@code SASL_PLAINTEXT}, ACLs enforced, {@code admin} the only super
     * user (its SCRAM credential is written at format time, as {@code kafka-storage format --add-scram} does).
     * {@link #admin()} logs in as it; other users come from {@link #addScramUser}.
     */
    public static LocalKafka startSecured(ScramUser admin) throws IOException, TimeoutException {
        return start(Optional.of(admin), Optional.empty());
    }

    private static LocalKafka start(Optional<ScramUser> superUser, Optional<Path> keptDir)
            throws IOException, TimeoutException {
        long t0 = System.nanoTime();
        Path dir = keptDir.isPresent()
                ? Files.createDirectories(keptDir.get())
                : Files.createTempDirectory("prefect-cdc-kafka-");
        int port = FreePorts.next();
        int controllerPort = FreePorts.next();
        String listener = superUser.isPresent() ? "SASL" : "PLAINTEXT";
        Properties props = new Properties();
        props.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@127.0.0.1:" + controllerPort),
                Map.entry("listeners", listener + "://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort),
                Map.entry("advertised.listeners", listener + "://127.0.0.1:" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", listener),
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
        superUser.ifPresent(admin -> props.putAll(secured(admin)));
        Server server;
        try {
            Path cfg = dir.resolve("server.properties");
            try (OutputStream out = Files.newOutputStream(cfg)) {
                props.store(out, "local KRaft node");
            }
            if (!Files.exists(dir.resolve("data/meta.properties"))) {
                format(cfg, superUser);
            }
            server = newRaftServer(props);
            server.startup();
        } catch (IOException | RuntimeException | Error e) {
            if (keptDir.isEmpty()) {
                Support.deleteRecursively(dir);
            }
            throw e;
        }
        LocalKafka kafka = new LocalKafka(
                dir,
                keptDir.isPresent(),
                "127.0.0.1:" + port,
                superUser.map(ScramUser::clientSettings).orElse(Map.of()),
                props,
                server);
        try {
            kafka.awaitReady();
        } catch (TimeoutException | RuntimeException | Error e) {
            kafka.close();
            throw e;
        }
        log.info(
                "Kafka (KRaft, 1 node{}) up at {} in {}",
                superUser.isPresent() ? ", SASL/SCRAM and ACLs" : "",
                kafka.bootstrapServers,
                Support.seconds(Support.since(t0)));
        return kafka;
    }

    /**
     * The broker settings of a secured node. The client listener (also the inter-broker one) takes SCRAM; the
     * controller listener PLAIN with the admin as its only user, so nothing anonymous reaches either.
     */
    private static Map<String, String> secured(ScramUser admin) {
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + admin.name()
                + "\" password=\"" + admin.password() + "\" user_" + admin.name() + "=\"" + admin.password() + "\";";
        return Map.ofEntries(
                Map.entry("listener.security.protocol.map", "SASL:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT"),
                Map.entry("sasl.enabled.mechanisms", SCRAM_MECHANISM),
                Map.entry("sasl.mechanism.inter.broker.protocol", SCRAM_MECHANISM),
                Map.entry(
                        "listener.name.sasl." + SCRAM_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
                        admin.jaasConfig()),
                Map.entry("listener.name.controller.sasl.enabled.mechanisms", "PLAIN"),
                Map.entry("sasl.mechanism.controller.protocol", "PLAIN"),
                Map.entry("listener.name.controller.plain.sasl.jaas.config", plain),
                Map.entry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
                Map.entry("super.users", "User:" + admin.name()),
                Map.entry("allow.everyone.if.no.acl.found", "false"));
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * What a client needs to connect as the admin: {@code bootstrap.servers}, and on a secured broker the super
     * user's SASL settings.
     */
    public Map<String, Object> adminClientSettings() {
        Map<String, Object> settings = new HashMap<>(adminSettings);
        settings.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return settings;
    }

    public Admin admin() {
        return Admin.create(adminClientSettings());
    }

    /** Creates or updates a SCRAM-SHA-512 user on a secured broker, and waits until the broker knows it. */
    public void addScramUser(ScramUser user) throws IOException, InterruptedException {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            user.name(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), user.password())))
                    .all()
                    .get();
            Support.await(
                    "SCRAM user " + user.name(),
                    Duration.ofSeconds(30),
                    Duration.ofMillis(50),
                    () -> admin.describeUserScramCredentials(List.of(user.name()))
                                    .all()
                                    .get()
                                    .isEmpty()
                            ? Optional.empty()
                            : Optional.of(true));
        } catch (ExecutionException e) {
            throw new IOException("could not add SCRAM user " + user.name() + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Empty while the broker answers; else why not, in one line. */
    public synchronized Optional<String> problem() {
        if (stopped || closed) {
            return Optional.of("Kafka at " + bootstrapServers + " is stopped");
        }
        try {
            if (probe == null) {
                probe = admin();
            }
            probe.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return Optional.empty();
        } catch (ExecutionException e) {
            return Optional.of("Kafka at " + bootstrapServers + " does not answer: "
                    + e.getCause().getMessage());
        } catch (TimeoutException e) {
            return Optional.of("Kafka at " + bootstrapServers + " does not answer within 5 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Creates the topics that do not exist yet, with 1 partition and replication factor 1. */
    public void createTopics(Collection<String> topics) throws IOException, InterruptedException {
        try (Admin admin = admin()) {
            Set<String> existing = admin.listTopics().names().get();
            Set<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, 1, (short) 1))
                    .collect(Collectors.toSet());
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
        if (probe != null) {
            probe.close(Duration.ZERO);
        }
        if (!stopped) {
            server.shutdown();
            server.awaitShutdown();
        }
        if (!keepDir) {
            Support.deleteRecursively(dir);
        }
        log.info("Kafka at {} stopped", bootstrapServers);
    }

    private void awaitReady() throws TimeoutException {
        try (Admin admin = admin()) {
            Support.await(
                    "Kafka at " + bootstrapServers,
                    Duration.ofSeconds(60),
                    Duration.ofMillis(100),
                    () -> admin.describeCluster()
                                    .nodes()
                                    .get(5, TimeUnit.SECONDS)
                                    .isEmpty()
                            ? Optional.empty()
                            : Optional.of(true));
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
            return (Server) Class.forName("kafka.server.KafkaRaftServer")
                    .getConstructor(configClass, Time.class)
                    .newInstance(config, Time.SYSTEM);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kafka_2.13 is not on the classpath as expected", e);
        }
    }

    /** {@code kafka-storage format}, with the super user's SCRAM credential in the bootstrap metadata. */
    private static void format(Path cfg, Optional<ScramUser> superUser) throws IOException {
        List<String> args =
                new ArrayList<>(List.of("format", "-t", Uuid.randomUuid().toString(), "-c", cfg.toString()));
        superUser.ifPresent(admin -> args.addAll(List.of(
                "--add-scram", SCRAM_MECHANISM + "=[name=" + admin.name() + ",password=" + admin.password() + "]")));
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int rc =
                StorageTool.execute(args.toArray(String[]::new), new PrintStream(output, true, StandardCharsets.UTF_8));
        if (rc != 0) {
            throw new IOException(
                    "kafka storage format failed (" + rc + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }
}
