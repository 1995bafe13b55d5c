package io.prefectlifecycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.cli.DatabaseCoordinates;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeoutException;

/**
 * A Kafka Connect distributed worker in this JVM, with Debezium's PostgreSQL connector found through
 * ServiceLoader manifests on the classpath ({@code plugin.discovery=service_load}; scanning the
 * classpath instead costs ~10 s).
 *
 * <p>Credentials: connect-config/prefect-connector.json names them as {@code ${env:PREFECT_DB_*}}.
 * A JVM cannot set its own environment, so this worker serves the same names from a 0600 properties
 * file in its temp dir through Kafka's {@code FileConfigProvider} (restricted to that dir by
 * {@code allowed.paths}); {@link #registerConnector} points the references there. The stored connector
 * config and the REST API only ever show the references.
 */
public final class LocalConnect implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalConnect.class);
    private static final String FILE_PROVIDER = "file";

    private final Path dir;
    private final String restUrl;
    private final Connect<?> connect;
    private final ConnectRest rest;
    private boolean closed;

    private LocalConnect(Path dir, String restUrl, Connect<?> connect) {
        this.dir = dir;
        this.restUrl = restUrl;
        this.connect = connect;
        this.rest = new ConnectRest(restUrl);
    }

    public static LocalConnect start(String bootstrapServers) throws IOException, TimeoutException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory(
                "prefect-cdc-connect-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        int port = FreePorts.next();
        String restUrl = "http://127.0.0.1:" + port;
        Map<String, String> worker = new HashMap<>(workerSettings(bootstrapServers, port));
        worker.putAll(Map.of(
                "config.providers",
                FILE_PROVIDER,
                "config.providers." + FILE_PROVIDER + ".class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
                "config.providers." + FILE_PROVIDER + ".param.allowed.paths",
                dir.toString()));
        // A worker that fails to start calls Exit.exit(1): that must fail the caller, not end the JVM.
        Exit.setExitProcedure((status, message) -> {
            throw new IllegalStateException("Kafka Connect asked to exit(" + status + "): " + message);
        });
        Connect<?> connect;
        try {
            connect = new ConnectDistributed().startConnect(worker);
        } catch (RuntimeException | Error e) {
            Exit.resetExitProcedure();
            Support.deleteRecursively(dir);
            throw e;
        }
        LocalConnect local = new LocalConnect(dir, restUrl, connect);
        try {
            Support.await(
                    "Kafka Connect at " + restUrl,
                    Duration.ofSeconds(90),
                    Duration.ofMillis(100),
                    () -> local.rest.healthy() ? Optional.of(true) : Optional.empty());
        } catch (TimeoutException | RuntimeException | Error e) {
            local.close();
            throw e;
        }
        log.info("Kafka Connect worker up at {} in {}", restUrl, Support.seconds(Support.since(t0)));
        return local;
    }

    public String restUrl() {
        return restUrl;
    }

    /**
     * The settings of a distributed worker on one local broker, REST on {@code 127.0.0.1:<restPort>}, without config
     * providers: shared by this in-JVM worker and a worker run as a process of its own (the reliability tests).
     */
    public static Map<String, String> workerSettings(String bootstrapServers, int restPort) {
        String restUrl = "http://127.0.0.1:" + restPort;
        return Map.ofEntries(
                Map.entry("bootstrap.servers", bootstrapServers),
                Map.entry("group.id", "prefect-cdc-local-connect"),
                Map.entry("listeners", restUrl),
                Map.entry("rest.advertised.host.name", "127.0.0.1"),
                Map.entry("rest.advertised.port", Integer.toString(restPort)),
                Map.entry("config.storage.topic", "_connect-configs"),
                Map.entry("offset.storage.topic", "_connect-offsets"),
                Map.entry("offset.storage.partitions", "1"),
                Map.entry("status.storage.topic", "_connect-status"),
                Map.entry("config.storage.replication.factor", "1"),
                Map.entry("offset.storage.replication.factor", "1"),
                Map.entry("status.storage.replication.factor", "1"),
                Map.entry("status.storage.partitions", "1"),
                Map.entry("key.converter", "org.apache.kafka.connect.json.JsonConverter"),
                Map.entry("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
                Map.entry("plugin.discovery", "service_load"),
                Map.entry("offset.flush.interval.ms", "1000"));
    }

    /** Registers connect-config/prefect-connector.json against {@code db}; see {@link #registerConnector(ConnectorDefinition, DatabaseCoordinates, Duration)}. */
    public ConnectorDefinition registerConnector(DatabaseCoordinates db) throws IOException, TimeoutException {
        return registerConnector(ConnectorDefinition.load(), db, Duration.ofSeconds(60));
    }

    /**
     * Writes {@code db} where the worker's file provider serves it, PUTs the connector's config
     * (create or update: idempotent) and waits until the connector and all its tasks are RUNNING.
     *
     * @return the definition as registered (credential references rewritten, values absent)
     * @throws IllegalStateException when the connector or a task FAILED, with Connect's trace
     */
    public ConnectorDefinition registerConnector(
            ConnectorDefinition definition, DatabaseCoordinates db, Duration timeout)
            throws IOException, TimeoutException {
        long t0 = System.nanoTime();
        Path secrets = dir.resolve(definition.name() + "-db.properties");
        Properties values = new Properties();
        values.putAll(db.asConnectorVariables());
        Files.deleteIfExists(secrets);
        Files.createFile(secrets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(secrets)) {
            values.store(out, "served to the connector by FileConfigProvider");
        }
        ConnectorDefinition registered = definition.withEnvReferencesServedBy(FILE_PROVIDER, secrets);
        rest.putConnector(registered, timeout);
        log.info("connector {} RUNNING against {} in {}", registered.name(), db, Support.seconds(Support.since(t0)));
        return registered;
    }

    /**
     * {@code POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true}, then waits until the connector and its
     * tasks are RUNNING: what an operator does after a failure outside the connector (e.g. a schema registry outage
     * that failed the converter). The task resumes from its committed offsets.
     */
    public void restartFailedTasks(String name, Duration timeout) throws IOException, TimeoutException {
        rest.restart(name, true, timeout);
    }

    /**
     * Deletes the connector (none is fine) and waits until it is gone; its offsets stay in the offsets topic. See
     * {@link ConnectRest#deleteConnector}.
     */
    public void deleteConnector(String name, Duration timeout) throws TimeoutException {
        rest.deleteConnector(name, timeout);
    }

    /** {@code GET /connectors/<name>/status}, as returned by Connect. */
    public JsonNode connectorStatus(String name) throws IOException, InterruptedException {
        return rest.connectorStatus(name);
    }

    /** Empty while the worker answers and the connector and its tasks are not FAILED; else why, in one line. */
    public Optional<String> problem(String connector) {
        if (closed) {
            return Optional.of("Kafka Connect worker at " + restUrl + " is stopped");
        }
        if (!rest.healthy()) {
            return Optional.of("Kafka Connect worker at " + restUrl + " does not answer");
        }
        try {
            return ConnectRest.failure(connector, rest.connectorStatus(connector));
        } catch (IOException e) {
            return Optional.of("Kafka Connect: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connect.stop();
        } finally {
            Exit.resetExitProcedure();
            Support.deleteRecursively(dir);
        }
        log.info("Kafka Connect worker at {} stopped", restUrl);
    }
}
