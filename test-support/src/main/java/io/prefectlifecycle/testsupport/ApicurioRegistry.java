package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.FreePorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Confluent-compatible schema registry for the tests: Apicurio Registry 2.6 (Java 17) as a child process on a
 * free port. {@link #launch()}'s storage is an H2 database in a temp dir, so that a {@link #stop()} and
 * {@link #start()} keep every schema and id (an outage, not a new registry); {@link #shared()}'s is in memory. The distribution is unpacked by the build
 * (maven-dependency-plugin, {@code target/apicurio-registry}; system property {@code apicurio.registry.home}).
 */
public final class ApicurioRegistry implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static ApicurioRegistry shared;

    private final Path home;
    private final Path dataDir;
    private final Path log;
    private final int port;
    private final boolean persistent;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private ApicurioRegistry(Path home, Path dataDir, int port, boolean persistent) {
        this.persistent = persistent;
        this.home = home;
        this.dataDir = dataDir;
        this.port = port;
        this.log = dataDir.resolve("registry.log");
    }

    /** A new registry that keeps its data across {@link #stop()}, started; {@link #close()} stops it and removes its data. */
    public static ApicurioRegistry launch() {
        return launch(true);
    }

    private static ApicurioRegistry launch(boolean persistent) {
        Path home = Path.of(System.getProperty("apicurio.registry.home", "target/apicurio-registry"));
        if (!Files.isRegularFile(runner(home))) {
            throw new IllegalStateException(
                    "no Apicurio Registry at " + home.toAbsolutePath() + ": run the tests through "
                            + "Maven (process-test-resources unpacks io.apicurio:apicurio-registry-app:zip:all)");
        }
        try {
            ApicurioRegistry registry = new ApicurioRegistry(
                    home, Files.createTempDirectory("apicurio-registry-"), FreePorts.next(), persistent);
            registry.start();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One registry for every test of this JVM that does not stop it, stopped when the JVM exits. */
    public static synchronized ApicurioRegistry shared() {
        if (shared == null) {
            shared = launch(false);
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "apicurio-registry-stop"));
        }
        return shared;
    }

    /** The Confluent-compatible API root. */
    public URI ccompatUrl() {
        return URI.create("http://127.0.0.1:" + port + "/apis/ccompat/v7");
    }

    /** Apicurio's own v2 API root, as Apicurio's serdes and converters want it. */
    public URI nativeUrl() {
        return URI.create("http://127.0.0.1:" + port + "/apis/registry/v2");
    }

    public int port() {
        return port;
    }

    /** Starts the process on this registry's port and data, and waits until the Confluent API answers. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        JarLauncher launcher = JarLauncher.of(runner(home).toAbsolutePath())
                .jvm(
                        "-Xmx384m",
                        "-XX:TieredStopAtLevel=1",
                        "-Dquarkus.http.host=127.0.0.1",
                        "-Dquarkus.http.port=" + port,
                        "-Dquarkus.datasource.jdbc.url="
                                + (persistent
                                        ? "jdbc:h2:file:"
                                                + dataDir.resolve("registry").toAbsolutePath()
                                        : "jdbc:h2:mem:registry_db"),
                        "-Dquarkus.log.level=WARN")
                .directory(home);
        long t0 = System.nanoTime();
        try {
            process = launcher.appendLog(log).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + launcher.command(), e);
        }
        long deadline = t0 + START_TIMEOUT.toNanos();
        while (!answers()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "Apicurio Registry exited with " + process.exitValue() + ":\n" + tail());
            }
            if (System.nanoTime() > deadline) {
                stop();
                throw new IllegalStateException(
                        "Apicurio Registry not up on port " + port + " within " + START_TIMEOUT + ":\n" + tail());
            }
            sleep(100);
        }
        System.out.printf("Apicurio Registry up on port %d in %.1f s%n", port, (System.nanoTime() - t0) / 1e9);
    }

    /** Kills the process (an outage: connections are refused until {@link #start()}). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        try {
            JarLauncher.stop(process, Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public synchronized void close() {
        stop();
        try (Stream<Path> paths = Files.walk(dataDir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a leftover temp dir must not fail a test
        }
    }

    /** Sets the compatibility level of {@code subject} ({@code PUT /config/{subject}}). */
    public void setCompatibility(String subject, String level) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(ccompatUrl() + "/config/" + subject))
                        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\":\"" + level + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("PUT /config/" + subject + " -> " + response.statusCode() + ": " + response.body());
        }
    }

    /**
     * The ids of every artifact, in any group ({@code GET /search/artifacts} of the v2 API): what a converter with a
     * record-name strategy registered, which the Confluent API lists only in the default group.
     */
    public List<String> artifactIds() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(nativeUrl() + "/search/artifacts?limit=1000"))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /search/artifacts -> " + response.statusCode() + ": " + response.body());
        }
        List<String> ids = new java.util.ArrayList<>();
        io.prefectlifecycle.cdc.Json.MAPPER
                .readTree(response.body())
                .path("artifacts")
                .forEach(a -> ids.add(
                        a.path("groupId").asText("default") + "/" + a.path("id").asText()));
        return ids;
    }

    private boolean answers() {
        try {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
                            .timeout(Duration.ofSeconds(2))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log + ")";
        }
    }

    private static Path runner(Path home) {
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar"))
                    .findFirst()
                    .orElse(home.resolve("apicurio-registry-app-runner.jar"));
        } catch (IOException e) {
            return home.resolve("apicurio-registry-app-runner.jar");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
