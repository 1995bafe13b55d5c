package io.prefectlifecycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * What is done to a Kafka Connect worker through its REST API, whether it runs in this JVM ({@link LocalConnect}) or
 * as a process of its own: register a connector, wait until it runs, restart it, read its status.
 */
public final class ConnectRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String restUrl;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ConnectRest(String restUrl) {
        this.restUrl = restUrl;
    }

    public String restUrl() {
        return restUrl;
    }

    /** Whether {@code GET /health} answers 200 (the worker has joined its group and can take requests). */
    public boolean healthy() {
        try {
            return get("/health").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * {@code PUT /connectors/<name>/config} (create or update: idempotent), then waits until the connector and all its
     * tasks are RUNNING.
     *
     * @throws IllegalStateException when the connector or a task FAILED, with Connect's trace
     */
    public void putConnector(ConnectorDefinition definition, Duration timeout) throws TimeoutException {
        String path = "/connectors/" + definition.name() + "/config";
        // Right after start the herder may still be joining its group: 409/5xx mean "try again".
        send(
                "PUT " + path,
                timeout,
                HttpRequest.newBuilder(URI.create(restUrl + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(definition.configJson()))
                        .build());
        awaitRunning(definition.name(), timeout, true);
    }

    /**
     * {@code POST /connectors/<name>/restart?includeTasks=true&onlyFailed=<onlyFailed>}, then waits until the
     * connector and its tasks are RUNNING again. The task resumes from its committed offsets.
     */
    public void restart(String name, boolean onlyFailed, Duration timeout) throws TimeoutException {
        String path = "/connectors/" + name + "/restart?includeTasks=true&onlyFailed=" + onlyFailed;
        send(
                "POST " + path,
                timeout,
                HttpRequest.newBuilder(URI.create(restUrl + path))
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build());
        // the status may still say FAILED (or RESTARTING) until the restart is under way
        awaitRunning(name, timeout, false);
    }

    /** Waits until the connector and all its tasks are RUNNING; see {@link #putConnector}. */
    public void awaitRunning(String name, Duration timeout) throws TimeoutException {
        awaitRunning(name, timeout, true);
    }

    /**
     * {@code DELETE /connectors/<name>} (a connector that does not exist is fine), then waits until Connect no longer
     * lists it: its task has stopped and released the replication slot (which stays; drop it separately).
     */
    public void deleteConnector(String name, Duration timeout) throws TimeoutException {
        String path = "/connectors/" + name;
        Support.await("DELETE " + path, timeout, Duration.ofMillis(200), () -> {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create(restUrl + path))
                            .timeout(Duration.ofSeconds(30))
                            .DELETE()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            int code = response.statusCode();
            if (code == 204 || code == 200 || code == 404) {
                return Optional.of(true);
            }
            if (code == 409 || code >= 500) {
                return Optional.empty();
            }
            throw new IllegalStateException("DELETE " + path + " -> " + code + ": " + response.body());
        });
        Support.await(
                "connector " + name + " gone",
                timeout,
                Duration.ofMillis(100),
                () -> get(path).statusCode() == 404 ? Optional.of(true) : Optional.empty());
    }

    /**
     * The connector or one of its tasks FAILED, in one line with the first line of Connect's trace; empty when
     * neither did.
     */
    public static Optional<String> failure(String name, JsonNode status) {
        JsonNode connector = status.path("connector");
        if ("FAILED".equals(connector.path("state").asText())) {
            return Optional.of("Kafka Connect: connector " + name + " FAILED: "
                    + firstLine(connector.path("trace").asText()));
        }
        for (JsonNode task : status.path("tasks")) {
            if ("FAILED".equals(task.path("state").asText())) {
                return Optional.of("Kafka Connect: task " + task.path("id").asText() + " of connector " + name
                        + " FAILED: " + firstLine(task.path("trace").asText()));
            }
        }
        return Optional.empty();
    }

    /** The trace's first line without the exception's class name: what happened, in Debezium's or Connect's words. */
    private static String firstLine(String trace) {
        int newline = trace.indexOf('\n');
        String line = newline < 0 ? trace : trace.substring(0, newline);
        return line.replaceFirst("^([A-Za-z_$][\\w$]*\\.)+[A-Z][\\w$]*(Exception|Error): ", "");
    }

    /** {@code GET /connectors/<name>/status}, as returned by Connect. */
    public JsonNode connectorStatus(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/connectors/" + name + "/status");
        if (response.statusCode() != 200) {
            throw new IOException("GET status of " + name + " -> " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private void send(String what, Duration timeout, HttpRequest request) throws TimeoutException {
        Support.await(what, timeout, Duration.ofMillis(200), () -> {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            int code = response.statusCode();
            if (code == 200 || code == 201 || code == 202 || code == 204) {
                return Optional.of(true);
            }
            if (code == 409 || code >= 500) {
                return Optional.empty();
            }
            throw new IllegalStateException(what + " -> " + code + ": " + response.body());
        });
    }

    private void awaitRunning(String name, Duration timeout, boolean failedIsFinal) throws TimeoutException {
        Support.await("connector " + name + " RUNNING", timeout, Duration.ofMillis(100), () -> {
            JsonNode status = connectorStatus(name);
            JsonNode connector = status.path("connector");
            if (failedIsFinal && "FAILED".equals(connector.path("state").asText())) {
                throw new IllegalStateException("connector " + name + " FAILED:\n"
                        + connector.path("trace").asText());
            }
            boolean tasksRunning = status.path("tasks").size() > 0;
            for (JsonNode task : status.path("tasks")) {
                if (failedIsFinal && "FAILED".equals(task.path("state").asText())) {
                    throw new IllegalStateException(
                            "connector " + name + " task " + task.path("id").asText() + " FAILED:\n"
                                    + task.path("trace").asText());
                }
                tasksRunning &= "RUNNING".equals(task.path("state").asText());
            }
            return "RUNNING".equals(connector.path("state").asText()) && tasksRunning
                    ? Optional.of(true)
                    : Optional.empty();
        });
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(restUrl + path))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
