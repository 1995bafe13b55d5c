package io.prefectlifecycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String restUrl;
    private final Connect<?> connect;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private boolean closed;

    private LocalConnect(Path dir, String restUrl, Connect<?> connect) {
        this.dir = dir;
        this.restUrl = restUrl;
        this.connect = connect;
    }

    public static LocalConnect start(String bootstrapServers) throws IOException, TimeoutException {
        long t0 = System.nanoTime();
        Path dir = Files.createTempDirectory("prefect-cdc-connect-", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        int port = Support.freePort();
        String restUrl = "http://127.0.0.1:" + port;
        Map<String, String> worker = Map.ofEntries(
                Map.entry("bootstrap.servers", bootstrapServers),
                Map.entry("group.id", "prefect-cdc-local-connect"),
                Map.entry("listeners", restUrl),
                Map.entry("rest.advertised.host.name", "127.0.0.1"),
                Map.entry("rest.advertised.port", Integer.toString(port)),
                Map.entry("config.storage.topic", "_connect-configs"),
                Map.entry("offset.storage.topic", "_connect-offsets"),
                Map.entry("status.storage.topic", "_connect-status"),
                Map.entry("config.storage.replication.factor", "1"),
                Map.entry("offset.storage.replication.factor", "1"),
                Map.entry("offset.storage.partitions", "1"),
                Map.entry("status.storage.replication.factor", "1"),
                Map.entry("status.storage.partitions", "1"),
                Map.entry("key.converter", "org.apache.kafka.connect.json.JsonConverter"),
                Map.entry("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
                Map.entry("plugin.discovery", "service_load"),
                Map.entry("offset.flush.interval.ms", "1000"),
                Map.entry("config.providers", FILE_PROVIDER),
                Map.entry("config.providers." + FILE_PROVIDER + ".class",
                        "org.apache.kafka.common.config.provider.FileConfigProvider"),
                Map.entry("config.providers." + FILE_PROVIDER + ".param.allowed.paths", dir.toString()));
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
            Support.await("Kafka Connect at " + restUrl, Duration.ofSeconds(90), Duration.ofMillis(100),
                    () -> local.get("/health").statusCode() == 200 ? Optional.of(true) : Optional.empty());
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
    public ConnectorDefinition registerConnector(ConnectorDefinition definition, DatabaseCoordinates db, Duration timeout)
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
        String path = "/connectors/" + registered.name() + "/config";
        // Right after start the herder may still be joining its group: 409/5xx mean "try again".
        Support.await("PUT " + path, timeout, Duration.ofMillis(200), () -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl + path))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(registered.configJson())).build(),
                    HttpResponse.BodyHandlers.ofString());
            int code = response.statusCode();
            if (code == 200 || code == 201) {
                return Optional.of(true);
            }
            if (code == 409 || code >= 500) {
                return Optional.empty();
            }
            throw new IllegalStateException("PUT " + path + " -> " + code + ": " + response.body());
        });
        awaitRunning(registered.name(), timeout);
        log.info("connector {} RUNNING against {} in {}", registered.name(), db, Support.seconds(Support.since(t0)));
        return registered;
    }

    /**
     * {@code POST /connectors/<name>/restart?includeTasks=true&onlyFailed=true}, then waits until the connector and its
     * tasks are RUNNING: what an operator does after a failure outside the connector (e.g. a schema registry outage
     * that failed the converter). The task resumes from its committed offsets.
     */
    public void restartFailedTasks(String name, Duration timeout) throws IOException, TimeoutException {
        String path = "/connectors/" + name + "/restart?includeTasks=true&onlyFailed=true";
        Support.await("POST " + path, timeout, Duration.ofMillis(200), () -> {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(restUrl + path))
                    .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            int code = response.statusCode();
            if (code == 200 || code == 202 || code == 204) {
                return Optional.of(true);
            }
            if (code == 409 || code >= 500) {
                return Optional.empty();
            }
            throw new IllegalStateException("POST " + path + " -> " + code + ": " + response.body());
        });
        // the status may say FAILED until the restart is under way
        Support.await("connector " + name + " RUNNING again", timeout, Duration.ofMillis(100), () -> {
            JsonNode status = connectorStatus(name);
            boolean running = "RUNNING".equals(status.path("connector").path("state").asText())
                    && status.path("tasks").size() > 0;
            for (JsonNode task : status.path("tasks")) {
                running &= "RUNNING".equals(task.path("state").asText());
            }
            return running ? Optional.of(true) : Optional.empty();
        });
    }

    /** {@code GET /connectors/<name>/status}, as returned by Connect. */
    public JsonNode connectorStatus(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/connectors/" + name + "/status");
        if (response.statusCode() != 200) {
            throw new IOException("GET status of " + name + " -> " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
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

    private void awaitRunning(String name, Duration timeout) throws TimeoutException {
        Support.await("connector " + name + " RUNNING", timeout, Duration.ofMillis(100), () -> {
            JsonNode status = connectorStatus(name);
            JsonNode connector = status.path("connector");
            if ("FAILED".equals(connector.path("state").asText())) {
                throw new IllegalStateException("connector " + name + " FAILED:\n" + connector.path("trace").asText());
            }
            boolean tasksRunning = status.path("tasks").size() > 0;
            for (JsonNode task : status.path("tasks")) {
                if ("FAILED".equals(task.path("state").asText())) {
                    throw new IllegalStateException("connector " + name + " task " + task.path("id").asText()
                            + " FAILED:\n" + task.path("trace").asText());
                }
                tasksRunning &= "RUNNING".equals(task.path("state").asText());
            }
            return "RUNNING".equals(connector.path("state").asText()) && tasksRunning
                    ? Optional.of(true) : Optional.empty();
        });
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(restUrl + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
