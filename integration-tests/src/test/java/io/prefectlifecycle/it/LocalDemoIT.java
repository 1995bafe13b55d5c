package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.kinds.FernetKey;
import io.prefectlifecycle.local.PrefectDemo;
import io.prefectlifecycle.testsupport.LocalProcess;
import io.prefectlifecycle.testsupport.PipelineScenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code local --demo}: a new user sees an event of every kind within seconds, each one Prefect's bytes (the oracle),
 * block documents decrypted with the key local set up as a Prefect server would (or with
 * {@code PREFECT_SERVER_ENCRYPTION_KEY}), and no secret anywhere in what local prints.
 */
class LocalDemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KINDS = Set.of(
            "variable",
            "flow",
            "block-type",
            "block-document",
            "concurrency-limit",
            "artifact-collection",
            "automation",
            "work-pool",
            "work-queue",
            "deployment");

    @TempDir
    Path tmp;

    @Test
    void printsAnEventOfEveryKindWithTheKeyLocalSetUp() throws Exception {
        try (LocalProcess local = LocalProcess.start("local-demo", tmp, Map.of(), "--demo")) {
            List<String> events = demoEvents(local);
            String keyLine = local.awaitStderr(
                    l -> l.startsWith("ready: block documents are encrypted with the " + "Fernet key "),
                    Duration.ofSeconds(10));
            String key =
                    keyLine.replaceFirst("^ready: block documents are encrypted with the Fernet key (\\S+) .*$", "$1");
            FernetKey.parse(key); // a real key
            try (Connection db = LocalCommandIT.connect(local);
                    Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery(
                            "SELECT value ->> 'fernet_key' FROM configuration WHERE key = 'ENCRYPTION_KEY'")) {
                assertTrue(rs.next(), "the configuration row, as a Prefect server writes it");
                assertEquals(key, rs.getString(1), "the printed key is the row's");
            }
            assertEquals(1, local.stderr().stream().filter(l -> l.contains(key)).count(), "the key is printed once");
            assertFalse(String.join("\n", local.stdout()).contains(key), "never in an event");

            local.signal("TERM");
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)));
            assertNoSecrets(local);
            LocalCommandIT.assertNothingLeftIn(tmp);
            // the oracle check alone is skipped, saying so, without ../shared: everything above still ran
            PipelineScenario.checkWithOracle("LocalDemoIT", events);
        }
    }

    @Test
    void usesPrefectServerEncryptionKeyWhenSetAndPrintsNothingOfIt() throws Exception {
        String key = FernetKey.generate();
        try (LocalProcess local =
                LocalProcess.start("local-demo-env-key", tmp, Map.of("PREFECT_SERVER_ENCRYPTION_KEY", key), "--demo")) {
            demoEvents(local);
            try (Connection db = LocalCommandIT.connect(local);
                    Statement s = db.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FROM configuration WHERE key = 'ENCRYPTION_KEY'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "a Prefect server with the variable set writes no key row");
            }
            local.signal("TERM");
            assertEquals(0, local.awaitExit(Duration.ofMinutes(2)));
            assertFalse(local.everything().contains(key), "the environment's key is never printed");
            assertTrue(
                    local.stderr()
                            .contains("ready: block documents are encrypted with the key of "
                                    + "PREFECT_SERVER_ENCRYPTION_KEY (or ORION_ENCRYPTION_KEY)"),
                    String.join("\n", local.stderr()));
            assertNoSecrets(local);
        }
    }

    /** The demo's events, in the order written, each kind present, block documents decrypted. */
    private static List<String> demoEvents(LocalProcess local) throws Exception {
        local.awaitStderr(l -> l.startsWith("demo: "), Duration.ofMinutes(3));
        local.awaitStdout(l -> l.contains("\"prefect.variable.deleted\""), Duration.ofSeconds(60));
        List<String> events = local.stdout();
        List<String> names = events.stream().map(LocalDemoIT::name).toList();
        assertEquals(Arrays.asList(PrefectDemo.EVENTS), names, "one event per demo change, in commit order");
        Set<String> kinds = new TreeSet<>();
        names.forEach(n -> kinds.add(n.substring("prefect.".length(), n.lastIndexOf('.'))));
        assertEquals(new TreeSet<>(KINDS), kinds, "every kind");
        for (String event : events) {
            JsonNode tree = JSON.readTree(event);
            if (tree.path("event").asText().startsWith("prefect.block-document.")) {
                JsonNode data = tree.path("payload").path("data");
                assertEquals("etl", data.path("username").asText(), "decrypted: " + event);
                assertTrue(data.path("password").isMissingNode(), "the secret field is not in the payload");
            }
        }
        System.out.println("LocalDemoIT: " + names.size() + " events: " + names);
        return events;
    }

    private static void assertNoSecrets(LocalProcess local) {
        String printed = local.everything();
        assertFalse(printed.contains(PrefectDemo.SECRET), "the document's secret is never printed");
        assertFalse(printed.contains(PrefectDemo.ROTATED_SECRET), "nor its rotated value");
    }

    private static String name(String event) {
        try {
            return JSON.readTree(event).path("event").asText();
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + event, e);
        }
    }
}
