package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code java -jar prefect-lifecycle-cdc-local.jar local …} as a user runs it in a terminal: its own process group (as a
 * shell's foreground job; {@link #ctrlC()} signals the whole group, as the terminal does), its temp directory a
 * test-owned one (so that what it leaves behind can be seen), stdout and stderr read line by line and copied to
 * {@code target/local-it/<name>.{out,err}}.
 */
public final class LocalProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final List<Thread> readers = new ArrayList<>();

    private LocalProcess(String name, Process process) throws IOException {
        this.name = name;
        this.process = process;
        Path logs = ProjectPaths.root().resolve("streams-app/target/local-it");
        Files.createDirectories(logs);
        readers.add(reader(process.getInputStream(), stdout, logs.resolve(name + ".out")));
        readers.add(reader(process.getErrorStream(), stderr, logs.resolve(name + ".err")));
    }

    /**
     * @param tmp the process's {@code java.io.tmpdir}
     * @param env added to a copy of this environment without {@code PREFECT_*}, {@code ORION_*}, {@code PG*} variables
     */
    public static LocalProcess start(String name, Path tmp, Map<String, String> env, String... localArgs)
            throws IOException {
        // run as root, local's PostgreSQL runs as the postgres user, which must reach its directory in here
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
        JarLauncher launcher = JarLauncher.local()
                .ownProcessGroup()
                .jvm("-Xmx768m", "-Djava.io.tmpdir=" + tmp)
                .args("local")
                .args(localArgs)
                .withoutEnv("PREFECT_", "ORION_", "PG")
                .env(env);
        return new LocalProcess(name, launcher.start());
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    public List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** stdout and stderr, every line. */
    public String everything() {
        return String.join("\n", stdout) + "\n" + String.join("\n", stderr);
    }

    public long pid() {
        return process.pid();
    }

    /** The first stderr line that matches, waiting for it while the process runs. */
    public String awaitStderr(Predicate<String> line, Duration timeout) {
        return awaitLine(stderr, line, timeout);
    }

    public String awaitStdout(Predicate<String> line, Duration timeout) {
        return awaitLine(stdout, line, timeout);
    }

    private String awaitLine(List<String> lines, Predicate<String> line, Duration timeout) {
        String[] found = {null};
        await(name + ": a line")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    found[0] = lines.stream().filter(line).findFirst().orElse(null);
                    assertTrue(
                            found[0] != null || process.isAlive(),
                            () -> name + " exited (" + process.exitValue() + ") before the line came:\n"
                                    + String.join("\n", stderr));
                    return found[0] != null;
                });
        return found[0];
    }

    /** {@code kill -<signal> <pid>}: the JVM only. */
    public void signal(String signal) throws IOException, InterruptedException {
        JarLauncher.signal(process, signal);
    }

    /** SIGINT to the whole process group, as a terminal sends it on Ctrl-C. */
    public void ctrlC() throws IOException, InterruptedException {
        JarLauncher.signalGroup(process, "INT");
    }

    /** A child process whose command ends with {@code commandSuffix}, e.g. {@code /bin/postgres}. */
    public Optional<ProcessHandle> child(String commandSuffix) {
        return process.children()
                .filter(p ->
                        p.info().command().map(c -> c.endsWith(commandSuffix)).orElse(false))
                .findFirst();
    }

    /** Waits for the exit and for stdout and stderr to be read to their end; the exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        assertTrue(
                process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS),
                () -> name + " still runs after " + timeout + ":\n" + String.join("\n", stderr));
        for (Thread reader : readers) {
            reader.join(10_000);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Thread reader(InputStream stream, List<String> lines, Path copy) {
        Thread thread = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
                            PrintWriter log =
                                    new PrintWriter(Files.newBufferedWriter(copy, StandardCharsets.UTF_8), true)) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            lines.add(line);
                            log.println(line);
                        }
                    } catch (IOException e) {
                        lines.add("(reading failed: " + e.getMessage() + ")");
                    }
                },
                name + "-reader");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
