package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.testdata.ProjectPaths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one way tests and benchmarks start the shaded jars in a JVM of their own: {@code java <jvm options> -jar <jar>
 * <arguments>} (or {@code -cp <jar> <main class>}), the environment a copy of this one without the variables whose
 * names start with {@link #withoutEnv the given prefixes}, then {@link #env extra variables}; a working directory;
 * output to a file, a redirect or a pipe; optionally in a process group of its own ({@code setsid}), as a shell's
 * foreground job. The app's and local's shaded jars, and the Apicurio Registry's runner.
 *
 * <pre>{@code
 * Process run = JarLauncher.app().jvm("-Xmx512m").args("run", "--http-port=0").log(log).start();
 * }</pre>
 */
public final class JarLauncher {
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Path jar;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> arguments = new ArrayList<>();
    private final List<String> removedPrefixes = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private String mainClass;
    private ProcessBuilder.Redirect stdout = ProcessBuilder.Redirect.PIPE;
    private ProcessBuilder.Redirect stderr = ProcessBuilder.Redirect.PIPE;
    private boolean mergeStderr;
    private Path input;
    private Path directory;
    private boolean ownProcessGroup;

    private JarLauncher(Path jar) {
        this.jar = jar;
    }

    /** The production jar: {@code run}, {@code replay}, {@code tail}, {@code transform}, {@code forward}, ... */
    public static JarLauncher app() {
        return new JarLauncher(appJar());
    }

    /** {@code run} as the integration tests start it: a 512 MB heap, no fixed HTTP port to collide on. */
    public static JarLauncher run(String bootstrapServers, Path stateDir, String applicationId) {
        return app().jvm("-Xmx512m")
                .args(
                        "run",
                        "--bootstrap-servers",
                        bootstrapServers,
                        "--state-dir",
                        stateDir.toString(),
                        "--application-id",
                        applicationId)
                .env("PREFECT_CDC_HTTP_PORT", "0");
    }

    /** The development stack's jar: {@code local}, and the broker, Connect and Debezium classes. */
    public static JarLauncher local() {
        return new JarLauncher(localJar());
    }

    /** A jar given by path (the benchmarks take theirs as an argument). */
    public static JarLauncher of(Path jar) {
        return new JarLauncher(jar);
    }

    public static Path appJar() {
        return built("streams-app/target/prefect-lifecycle-cdc.jar");
    }

    public static Path localJar() {
        return built("local/target/prefect-lifecycle-cdc-local.jar");
    }

    public static String javaBinary() {
        return javaTool("java");
    }

    /** A tool of the running JDK ({@code jcmd}, ...). */
    public static String javaTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    public JarLauncher jvm(String... options) {
        jvmOptions.addAll(List.of(options));
        return this;
    }

    /** {@code -cp <jar> <mainClass>} instead of {@code -jar <jar>}. */
    public JarLauncher mainClass(String mainClass) {
        this.mainClass = mainClass;
        return this;
    }

    public JarLauncher args(String... args) {
        return args(List.of(args));
    }

    public JarLauncher args(List<String> args) {
        arguments.addAll(args);
        return this;
    }

    /** Leaves out of the inherited environment every variable whose name starts with one of {@code prefixes}. */
    public JarLauncher withoutEnv(String... prefixes) {
        removedPrefixes.addAll(List.of(prefixes));
        return this;
    }

    /** Set after {@link #withoutEnv}: these reach the process whatever their names. */
    public JarLauncher env(Map<String, String> variables) {
        env.putAll(variables);
        return this;
    }

    public JarLauncher env(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** stdout and stderr, interleaved, to {@code log} (created or truncated; its directory too). */
    public JarLauncher log(Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        return output(ProcessBuilder.Redirect.to(log.toFile()), true);
    }

    /** stdout and stderr, interleaved, appended to {@code log}. */
    public JarLauncher appendLog(Path log) throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        return output(ProcessBuilder.Redirect.appendTo(log.toFile()), true);
    }

    /** stdout and stderr apart ({@link ProcessBuilder.Redirect#PIPE} to read them from the {@link Process}). */
    public JarLauncher output(ProcessBuilder.Redirect stdout, ProcessBuilder.Redirect stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.mergeStderr = false;
        return this;
    }

    private JarLauncher output(ProcessBuilder.Redirect both, boolean merged) {
        this.stdout = both;
        this.stderr = ProcessBuilder.Redirect.PIPE;
        this.mergeStderr = merged;
        return this;
    }

    /** The working directory (this one's by default). */
    public JarLauncher directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /** The file the process reads as stdin. */
    public JarLauncher input(Path file) {
        this.input = file;
        return this;
    }

    /**
     * A process group of its own (when {@code setsid} exists), so that {@link #signalGroup} reaches the JVM and
     * everything it starts, as a terminal's Ctrl-C does.
     */
    public JarLauncher ownProcessGroup() {
        this.ownProcessGroup = true;
        return this;
    }

    public List<String> command() {
        List<String> command = new ArrayList<>();
        if (ownProcessGroup && Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.add(javaBinary());
        command.addAll(jvmOptions);
        if (mainClass == null) {
            command.addAll(List.of("-jar", jar.toString()));
        } else {
            command.addAll(List.of("-cp", jar.toString(), mainClass));
        }
        command.addAll(arguments);
        return command;
    }

    public Process start() throws IOException {
        ProcessBuilder builder =
                new ProcessBuilder(command()).redirectOutput(stdout).redirectErrorStream(mergeStderr);
        if (!mergeStderr) {
            builder.redirectError(stderr);
        }
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().keySet().removeIf(name -> removedPrefixes.stream().anyMatch(name::startsWith));
        builder.environment().putAll(env);
        return builder.start();
    }

    /** SIGTERM, as an orchestrator stops it; SIGKILL if it is still running after {@code grace}. */
    public static void stop(Process process, Duration grace) throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL: no shutdown hook runs; waits for the exit. */
    public static void kill(Process process) throws InterruptedException {
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "a process killed with SIGKILL exits");
    }

    /** {@code kill -<signal> <pid>}: the JVM only. */
    public static void signal(Process process, String signal) throws IOException, InterruptedException {
        runKill("-" + signal, Long.toString(process.pid()));
    }

    /** {@code kill -<signal> -- -<pid>}: the process group a {@link #ownProcessGroup} start made. */
    public static void signalGroup(Process process, String signal) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(SETSID), "setsid runs the jar in a process group of its own");
        runKill("-" + signal, "--", "-" + process.pid());
    }

    private static void runKill(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill"));
        command.addAll(List.of(args));
        assertTrue(new ProcessBuilder(command).inheritIO().start().waitFor(10, TimeUnit.SECONDS));
    }

    private static Path built(String path) {
        Path jar = ProjectPaths.root().resolve(path);
        assertTrue(Files.isRegularFile(jar), "the shaded jars are built in package, before failsafe: " + jar);
        return jar;
    }
}
