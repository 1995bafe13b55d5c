package io.prefectlifecycle.it;

import io.prefectlifecycle.testsupport.LocalProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code local} stops as a user expects: on SIGTERM and on Ctrl-C (SIGINT to the whole process group, postgres
 * included) the replication slot is dropped before PostgreSQL stops, nothing is left in the temp directory, and the
 * exit status is 0; when one of its parts dies (PostgreSQL killed), it says which in one line and exits with 1.
 */
class LocalCommandIT {

    private static final Duration START = Duration.ofMinutes(3);
    private static final Pattern DATABASE =
            Pattern.compile("ready: database postgresql://([^:]+):([^@]+)@([^:]+):(\\d+)/(\\S+) .*");
    private static final Pattern LOG_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} (WARN|ERROR) .*");

    @TempDir
    Path tmp;

    @Test
    void sigtermStopsEverythingInOrderAndLeavesNothing() throws Exception {
        try (LocalProcess local = LocalProcess.start("local-sigterm", tmp, Map.of())) {
            ProcessHandle postgres = ready(local);
            String id = UUID.randomUUID().toString();
            try (Connection db = connect(local)) {
                insertVariable(db, id, "sigterm_probe");
            }
            local.awaitStdout(
                    l -> l.contains("\"prefect.variable.created\"") && l.contains(id), Duration.ofSeconds(60));

            local.signal("TERM");
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)), "exit status after SIGTERM");
            assertStoppedInOrder(local, postgres);
        }
    }

    @Test
    void ctrlCAtTheTerminalStopsEverythingInOrderAndLeavesNothing() throws Exception {
        try (LocalProcess local = LocalProcess.start("local-ctrl-c", tmp, Map.of())) {
            ProcessHandle postgres = ready(local);

            local.ctrlC();
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)), "exit status after Ctrl-C");
            assertStoppedInOrder(local, postgres);
        }
    }

    @Test
    void aPartThatDiesIsNamedInOneLineAndLocalExitsWithOne() throws Exception {
        try (LocalProcess local = LocalProcess.start("local-postgres-killed", tmp, Map.of())) {
            ProcessHandle postgres = ready(local);

            postgres.destroyForcibly(); // SIGKILL to the postmaster
            String said = local.awaitStderr(l -> l.startsWith("local: PostgreSQL"), Duration.ofSeconds(60));
            assertEquals(1, local.awaitExit(Duration.ofMinutes(2)), "exit status when a part died");
            System.out.println("LocalCommandIT: " + said);
            assertTrue(
                    said.matches("local: PostgreSQL at postgresql://prefect@127\\.0\\.0\\.1:\\d+/prefect exited "
                            + "\\(pid \\d+, exit status 137\\): stopping"),
                    said);
            List<String> after = local.stderr()
                    .subList(local.stderr().indexOf(said), local.stderr().size());
            assertTrue(
                    after.stream()
                            .noneMatch(l ->
                                    l.startsWith("\tat ") || LOG_LINE.matcher(l).matches()),
                    () -> "no stack traces or warnings once local has said what died:\n" + String.join("\n", after));
            assertNothingLeftIn(tmp);
        }
    }

    /** Waits for the ready lines; the postmaster, a child of local's JVM. */
    private static ProcessHandle ready(LocalProcess local) {
        local.awaitStderr(l -> l.startsWith("ready: kafka "), START);
        return local.child("/bin/postgres").orElseThrow(() -> new AssertionError("no postgres child of local"));
    }

    private void assertStoppedInOrder(LocalProcess local, ProcessHandle postgres) throws IOException {
        List<String> err = local.stderr();
        int slotDropped = indexOf(err, "replication slot prefect_lifecycle dropped");
        int postgresStopped = indexOf(err, "PostgreSQL at postgresql://prefect@");
        assertTrue(slotDropped >= 0, () -> "the slot is dropped:\n" + String.join("\n", err));
        assertTrue(postgresStopped > slotDropped, () -> "before PostgreSQL stops:\n" + String.join("\n", err));
        assertFalse(postgres.isAlive(), "the postmaster is gone");
        assertEquals(
                List.of(),
                err.stream().filter(l -> LOG_LINE.matcher(l).matches()).toList(),
                "no warnings or errors at start or stop");
        assertNothingLeftIn(tmp);
    }

    private static int indexOf(List<String> lines, String start) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(start)
                    && (lines.get(i).contains("dropped") || lines.get(i).endsWith("stopped"))) {
                return i;
            }
        }
        return -1;
    }

    static void assertNothingLeftIn(Path tmp) throws IOException {
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(
                    List.of(),
                    left.map(p -> p.getFileName().toString()).toList(),
                    "nothing left in local's temp directory");
        }
    }

    /** A connection with the URL of the ready line (local's own, throwaway database prints its password). */
    static Connection connect(LocalProcess local) throws Exception {
        Matcher m = DATABASE.matcher(local.awaitStderr(l -> l.startsWith("ready: database "), START));
        assertTrue(m.matches());
        return DriverManager.getConnection(
                "jdbc:postgresql://" + m.group(3) + ":" + m.group(4) + "/" + m.group(5), m.group(1), m.group(2));
    }

    /** POST /variables/ as Prefect's server writes it. */
    static void insertVariable(Connection db, String id, String name) throws Exception {
        String now = java.time.Instant.now().toString();
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO variable (name, value, tags, id, created, "
                + "updated) VALUES (?, ?::jsonb, ?::jsonb, ?::uuid, ?::timestamptz, ?::timestamptz)")) {
            insert.setString(1, name);
            insert.setString(2, "\"probe\"");
            insert.setString(3, "[]");
            insert.setString(4, id);
            insert.setString(5, now);
            insert.setString(6, now);
            insert.executeUpdate();
        }
    }
}
