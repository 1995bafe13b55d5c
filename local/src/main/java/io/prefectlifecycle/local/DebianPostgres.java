package io.prefectlifecycle.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL cluster run from Debian's server binaries ({@code /usr/lib/postgresql/<ver>/bin}).
 * {@code initdb} and {@code postgres} refuse to run as root, so as root both are exec'd through
 * {@code setpriv} as the {@code postgres} user: the child process then <em>is</em> the postmaster and
 * takes SIGINT (fast shutdown) directly.
 */
final class DebianPostgres implements AutoCloseable {
    private static final Path ROOT = Path.of("/usr/lib/postgresql");
    private static final String OS_USER = "postgres";
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Process postmaster;
    private final Path log;

    private DebianPostgres(Process postmaster, Path log) {
        this.postmaster = postmaster;
        this.log = log;
    }

    /** The newest {@code bin} directory holding both initdb and postgres, if any. */
    static Optional<Path> findBinaries() {
        if (!Files.isDirectory(ROOT)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(ROOT)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(bin ->
                            Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("postgres")))
                    .max(Comparator.comparing(bin -> versionOf(bin.getParent())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static String versionOf(Path versionDir) {
        String name = versionDir.getFileName().toString();
        return name.matches("\\d+") ? String.format("%04d", Integer.parseInt(name)) : name;
    }

    /** initdb with a password-protected superuser, then start listening on 127.0.0.1:port. */
    static DebianPostgres start(Path bin, Path dir, int port, String superuserPassword, String walLevel)
            throws IOException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path data = dir.resolve("data");
        Path pwfile = dir.resolve("pwfile");
        Path log = dir.resolve("postgres.log");
        Files.writeString(pwfile, superuserPassword + "\n", StandardCharsets.UTF_8);
        if (root) {
            chown(dir, pwfile);
        }
        run(
                root,
                log,
                bin.resolve("initdb").toString(),
                "-D",
                data.toString(),
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile=" + pwfile);
        Files.delete(pwfile);
        Process postmaster = command(
                        root,
                        bin.resolve("postgres").toString(),
                        "-D",
                        data.toString(),
                        "-p",
                        Integer.toString(port),
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        "unix_socket_directories=" + dir,
                        "-c",
                        "wal_level=" + walLevel,
                        "-c",
                        "max_replication_slots=8",
                        "-c",
                        "max_wal_senders=8",
                        "-c",
                        "fsync=off",
                        "-c",
                        "synchronous_commit=off",
                        "-c",
                        "full_page_writes=off")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new DebianPostgres(postmaster, log);
    }

    boolean isAlive() {
        return postmaster.isAlive();
    }

    /** How the postmaster ended, e.g. {@code exit status 137}; call once it is not alive. */
    String exitDescription() {
        return "pid " + postmaster.pid() + ", exit status " + postmaster.exitValue();
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGINT is PostgreSQL's fast shutdown: open sessions are cut, no checkpoint wait for clients. */
    @Override
    public void close() {
        if (!postmaster.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
                    .start()
                    .waitFor(5, TimeUnit.SECONDS);
            if (!postmaster.waitFor(15, TimeUnit.SECONDS)) {
                postmaster.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            postmaster.destroyForcibly();
        } catch (InterruptedException e) {
            postmaster.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void run(boolean root, Path log, String... args) throws IOException {
        Process process = command(root, args)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(Path.of(args[0]).getFileName() + " failed; see " + log + ":\n"
                        + new DebianPostgres(process, log).logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * The postmaster in a session of its own ({@code setsid}, which execs in place: the child process still is the
     * postmaster), so that a Ctrl-C at the terminal, sent to the whole foreground process group, reaches only the JVM,
     * which drops the replication slot before it stops the cluster.
     */
    private static ProcessBuilder command(boolean root, String... args) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        if (root) {
            command.addAll(List.of("setpriv", "--reuid=" + OS_USER, "--regid=" + OS_USER, "--clear-groups"));
        }
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    private static void chown(Path... paths) throws IOException {
        UserPrincipal owner =
                paths[0].getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
        for (Path path : paths) {
            Files.setOwner(path, owner);
        }
    }
}
