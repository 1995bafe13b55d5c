package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.cli.DatabaseCoordinates;
import io.prefectlifecycle.local.ConnectRest;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalConnect;
import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;

/**
 * A Kafka Connect distributed worker with Debezium as a JVM of its own, so that it can be killed with SIGKILL: Kafka's
 * own {@code ConnectDistributed} main on the shaded jar, with {@link LocalConnect#workerSettings} and the production
 * way of handing it the database credentials (connect-config/README.md): {@code PREFECT_DB_*} in its environment,
 * served by {@code EnvVarConfigProvider}, so connect-config/prefect-connector.json is registered as it is.
 */
public final class ConnectWorkerProcess implements AutoCloseable {
    private final Process process;
    private final ConnectRest rest;
    private final Path dir;

    private ConnectWorkerProcess(Process process, ConnectRest rest, Path dir) {
        this.process = process;
        this.rest = rest;
        this.dir = dir;
    }

    /**
     * Starts a worker and waits until its REST API answers.
     *
     * @param overrides worker settings on top of {@link LocalConnect#workerSettings} (e.g. offset.flush.interval.ms)
     * @param logName   the worker's output goes to {@code streams-app/target/<logName>.log}
     */
    public static ConnectWorkerProcess start(
            String bootstrapServers, DatabaseCoordinates db, Map<String, String> overrides, String logName)
            throws IOException, TimeoutException {
        int port = FreePorts.next();
        Map<String, String> settings = new TreeMap<>(LocalConnect.workerSettings(bootstrapServers, port));
        settings.put("config.providers", "env");
        settings.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        settings.put("config.providers.env.param.allowlist.pattern", "^PREFECT_DB_.*");
        settings.putAll(overrides);
        Path dir = Files.createTempDirectory("connect-worker-process-");
        Path file = dir.resolve("worker.properties");
        Properties properties = new Properties();
        properties.putAll(settings);
        try (OutputStream out = Files.newOutputStream(file)) {
            properties.store(out, "ConnectWorkerProcess");
        }
        Path log = ProjectPaths.root().resolve("streams-app/target/" + logName + ".log");
        Process process = JarLauncher.local()
                .jvm("-Xmx512m")
                .mainClass("org.apache.kafka.connect.cli.ConnectDistributed")
                .args(file.toString())
                .env(db.asConnectorVariables())
                .appendLog(log)
                .start();
        ConnectWorkerProcess worker =
                new ConnectWorkerProcess(process, new ConnectRest("http://127.0.0.1:" + port), dir);
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!worker.rest.healthy()) {
            if (!worker.process.isAlive() || System.nanoTime() > deadline) {
                worker.close();
                throw new TimeoutException("Connect worker did not answer on port " + port + "; see " + log);
            }
            sleep(100);
        }
        return worker;
    }

    public ConnectRest rest() {
        return rest;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no offset flush, no leaving the group, the replication connection cut. */
    public void kill() throws InterruptedException {
        JarLauncher.kill(process);
    }

    @Override
    public void close() {
        try {
            JarLauncher.stop(process, Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.deleteIfExists(dir.resolve("worker.properties"));
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
