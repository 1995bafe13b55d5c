package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.DebeziumChange;
import io.prefectlifecycle.testsupport.FernetTokens;
import io.prefectlifecycle.testsupport.PrefectScenario;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The valid CDC records the reliability tests mix faults into, as JSON lines in production order: a generated busy
 * stretch of the {@code variable} table ({@link ReplayIT.VariableHistory}), the real Debezium 3.6 capture of every
 * kind (golden {@code captured/}), then block documents whose data holds {@link #SECRETS} (encrypted with the
 * capture's key under the capture's {@code Secretish} schema, whose {@code password} is a secret field): the secret
 * scan's needles, long and distinctive so that a hit means a leak, not a coincidence in random bytes.
 */
final class ValidStream {

    /** Plaintext secrets held only inside Fernet tokens: never in an event, a dead letter, a log line or a metric. */
    static final List<String> SECRETS = List.of(
            "Pl41ntext-S3cret-d2c8e0a9-never-leak-1",
            "Pl41ntext-S3cret-5b7f11c3-never-leak-2",
            "Pl41ntext-S3cret-aa04e6d1-never-leak-3");
    /** The capture's secrets long enough to search for (short ones occur by chance in base64). */
    static final List<String> CAPTURED_SECRETS = List.of("hunter3");

    static final String FERNET_KEY = PrefectScenario.FERNET_KEY;

    private static final long FIRST_PROBE_LSN = 40_000_000L;
    private static final long FIRST_PROBE_TX = 5_000L;
    private static final long FIRST_PROBE_COMMIT_US = 1_795_719_800_000_000L;

    private ValidStream() {}

    static List<String> lines(int historyChanges, long seed) {
        List<String> lines = new ArrayList<>(ReplayIT.VariableHistory.generate(historyChanges, seed));
        lines.addAll(captured());
        lines.addAll(secretProbes());
        return lines;
    }

    static List<String> captured() {
        try {
            return Files.readAllLines(CdcCapture.FULL_SCENARIO, StandardCharsets.UTF_8).stream()
                    .filter(line -> !line.isBlank())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One transaction per secret: BEGIN, a block document insert, END, as Debezium 3.6 writes them. */
    static List<String> secretProbes() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < SECRETS.size(); i++) {
            long tx = FIRST_PROBE_TX + i;
            long lsn = FIRST_PROBE_LSN + i * 1_000L;
            long commitUs = FIRST_PROBE_COMMIT_US + i * 1_000_000L;
            String id = String.format("00000000-0000-4000-9000-%012d", i + 1);
            String token = FernetTokens.encrypt(
                    FERNET_KEY,
                    "{\"username\": \"probe-" + i + "\", \"password\": \"" + SECRETS.get(i) + "\"}",
                    1_795_719_800L + i,
                    FernetTokens.iv(900 + i));
            ObjectNode after = JsonNodeFactory.instance
                    .objectNode()
                    .put("id", id)
                    .put("created", "2026-06-05T13:10:0" + i + ".000000Z")
                    .put("updated", "2026-06-05T13:10:0" + i + ".000000Z")
                    .put("name", "secret-probe-" + i)
                    .put("data", "\"" + token + "\"")
                    .put("block_schema_id", PrefectScenario.SCHEMA_SECRETISH)
                    .put("block_type_id", PrefectScenario.TYPE_SECRETISH)
                    .put("is_anonymous", false)
                    .put("block_type_name", "Secretish");
            lines.add(marker("BEGIN", tx, lsn, commitUs, null));
            lines.add(change("block_document", id, after, tx, lsn + 100, commitUs));
            lines.add(marker("END", tx, lsn + 200, commitUs, 1));
        }
        return lines;
    }

    private static String marker(String status, long tx, long lsn, long commitUs, Integer count) {
        ObjectNode value =
                JsonNodeFactory.instance.objectNode().put("status", status).put("id", tx + ":" + lsn);
        if (count == null) {
            value.putNull("event_count");
            value.putNull("data_collections");
        } else {
            value.put("event_count", count);
            value.putArray("data_collections")
                    .addObject()
                    .put("data_collection", "public.block_document")
                    .put("event_count", count);
        }
        value.put("ts_ms", commitUs / 1000);
        return line("prefect.transaction", "{\"id\":\"" + tx + ":" + lsn + "\"}", value);
    }

    private static String change(String table, String id, ObjectNode after, long tx, long lsn, long commitUs) {
        ObjectNode value = DebeziumChange.value(table, "c", null, after, tx, lsn, commitUs, 1, 1);
        return line("prefect.public." + table, "{\"id\":\"" + id + "\"}", value);
    }

    private static String line(String topic, String key, ObjectNode value) {
        return "{\"topic\":\"" + topic + "\",\"key\":" + key + ",\"value\":" + value + "}";
    }
}
