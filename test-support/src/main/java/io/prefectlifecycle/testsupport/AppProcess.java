package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The app as an operator runs it: {@code java -jar prefect-lifecycle-cdc.jar run} in its own JVM, exactly-once v2,
 * one persistent state dir across restarts. Each start logs to its own file under {@code target/}.
 */
public final class AppProcess {
    private final String name;
    private final String bootstrapServers;
    private final String applicationId;
    private final Path stateDir;
    private final Map<String, String> environment;
    private final List<Path> logs = new ArrayList<>();
    private Process process;

    /** @param environment extra environment of {@code run} (e.g. {@code KAFKA_*} client settings) */
    public AppProcess(
            String name,
            String bootstrapServers,
            String applicationId,
            Path stateDir,
            Map<String, String> environment) {
        this.name = name;
        this.bootstrapServers = bootstrapServers;
        this.applicationId = applicationId;
        this.stateDir = stateDir;
        this.environment = environment;
    }

    public AppProcess start() throws IOException {
        Path log = ProjectPaths.root()
                .resolve("streams-app/target/reliability/" + name + "-app-" + (logs.size() + 1) + ".log");
        JarLauncher app = JarLauncher.run(bootstrapServers, stateDir, applicationId)
                .env(environment)
                .log(log);
        logs.add(log);
        process = app.start();
        return this;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL to the JVM: no shutdown hook, no commit, no leaving the group. */
    public void kill() throws InterruptedException {
        JarLauncher.kill(process);
        assertEquals(137, process.exitValue(), "exit status of a JVM killed by SIGKILL");
    }

    /** SIGTERM, as an orchestrator stops it; SIGKILL if it does not stop within a minute. */
    public void stop() throws InterruptedException {
        if (process != null) {
            JarLauncher.stop(process, Duration.ofSeconds(60));
        }
    }

    /** The lines of all starts' logs containing {@code text}. */
    public List<String> logLinesContaining(String text) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path log : logs) {
            try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
                lines.filter(l -> l.contains(text)).forEach(found::add);
            }
        }
        return found;
    }

    /** The lines of the latest start's log containing {@code text}. */
    public List<String> latestLogLinesContaining(String text) throws IOException {
        try (var lines = Files.lines(logs.get(logs.size() - 1), StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).toList();
        }
    }

    /** Whether the log of the latest start has a line containing {@code text}. */
    public boolean latestLogContains(String text) throws IOException {
        return linesContaining(logs.get(logs.size() - 1), text) > 0;
    }

    public int starts() {
        return logs.size();
    }

    private static long linesContaining(Path log, String text) throws IOException {
        try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(text)).count();
        }
    }
}
