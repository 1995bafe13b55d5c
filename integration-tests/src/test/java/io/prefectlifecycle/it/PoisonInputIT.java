package io.prefectlifecycle.it;

import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.JarRun;
import io.prefectlifecycle.testsupport.KafkaBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 4 of issue 8, poison input, through the real app (the shaded jar as its own JVM) on a real broker: 10,000
 * poison records of {@link PoisonRecords} mixed into the CDC topics among the valid records of {@link ValidStream}.
 * The stream thread never dies, every poison record is in the dead-letter topic once with a reason naming its problem
 * (or ignored, for a table the app does not know), the metrics count them by reason, every valid record gives
 * exactly the event {@code transform} gives the valid records alone (bytes, ids included), and no secret is in any
 * topic, the app's log or its metrics ({@link SecretScan}). {@code -Dpoison.count=N} and
 * {@code -Dpoison.valid.changes=N} change the sizes.
 */
class PoisonInputIT {

    static final int POISON = Integer.getInteger("poison.count", 10_000);
    static final int HISTORY = Integer.getInteger("poison.valid.changes", 5_000);

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    @TempDir
    static Path work;

    @Test
    void poisonGoesToDeadLettersOnceAndValidRecordsGiveTheirExactEvents() throws Exception {
        long t0 = System.nanoTime();
        List<String> valid = ValidStream.lines(HISTORY, PoisonInputTest.SEED);
        PoisonRecords.Mix mix = PoisonRecords.mix(valid, POISON, PoisonInputTest.SEED, ValidStream.FERNET_KEY);
        List<String> expected = ReplayIT.transform(valid);
        System.out.printf(
                "PoisonInputIT: %,d valid and %,d poison records made, transform run, in %.1f s%n",
                valid.size(), POISON, (System.nanoTime() - t0) / 1e9);
        PoisonOutcomes outcomes = new PoisonOutcomes(mix);
        List<JarRun.In> records = new ArrayList<>();
        for (PoisonOutcomes.Placed p : outcomes.placed()) {
            records.add(JarRun.in(p.input().key(), p.input().value()));
        }

        JarRun.Result run = JarRun.run(kafka.get(), "poison", records, Map.of(), work);

        for (CommittedRecords.Received dead : run.deadLetters()) {
            assertEquals("poison.cdc", dead.header("dlq.source.topic"));
            long offset = Long.parseLong(dead.header("dlq.source.offset"));
            outcomes.deadLetter(offset, dead.header("dlq.category"), dead.header("dlq.reason"));
        }
        outcomes.print("PoisonInputIT", run.events().size(), run.processSeconds());
        double failedThreads = run.metric("kafka_stream_failed_stream_threads_total", "");
        double aliveThreads = run.metric("kafka_stream_alive_stream_threads", "");
        Map<String, Double> deadByReason = new TreeMap<>();
        run.metrics().forEach((name, value) -> {
            if (name.startsWith("prefect_cdc_dead_letters_total{") && value > 0) {
                deadByReason.put(name.replaceAll(".*reason=\"([^\"]+)\".*", "$1"), value);
            }
        });
        double unmapped = run.metric("prefect_cdc_ignored_records_total", "reason=\"unmapped_table\"");
        System.out.printf(
                "PoisonInputIT: app: %,d CDC records consumed in %.1f s (start included), %,d events, "
                        + "%,d dead letters; metrics: dead letters %s, ignored unmapped_table %.0f, failed stream threads "
                        + "%.0f, alive %.0f; exit status %d%n",
                records.size(),
                run.processSeconds(),
                run.events().size(),
                run.deadLetters().size(),
                deadByReason,
                unmapped,
                failedThreads,
                aliveThreads,
                run.exitCode());

        assertEquals(0.0, failedThreads, "no stream thread died (kafka_stream_failed_stream_threads_total)");
        assertEquals(1.0, aliveThreads, "the one stream thread is alive");
        assertEquals(0, run.exitCode(), "the app stopped cleanly on SIGTERM:\n" + JarRun.tail(run.log()));
        outcomes.assertAsExpected(false);
        assertEquals(outcomes.expectedDeadLetters(), run.deadLetters().size(), "dead letters, each once");
        Map<String, Double> expectedByReason = new TreeMap<>();
        outcomes.expectedDeadLettersByFamily().forEach((family, n) -> expectedByReason.put(family, (double) n));
        assertEquals(expectedByReason, deadByReason, "prefect_cdc_dead_letters_total by reason");
        long ignoredPoison =
                mix.poisonOnly().stream().filter(p -> !p.expect().deadLetter()).count();
        assertEquals((double) ignoredPoison, unmapped, "prefect_cdc_ignored_records_total{reason=unmapped_table}");
        assertDeadLettersKeepTheOriginalRecord(outcomes, run, "poison.");
        assertEquals(expected, run.eventValues(), "the valid records' events, byte for byte, ids included, in order");

        SecretScan scan = SecretScan.of(secrets(), List.of(ValidStream.FERNET_KEY));
        scanEverything(scan, run, "configuration");
        System.out.printf(
                "PoisonInputIT: secret scan: %d needles over %,d bytes %s: %d hits; whole test %.1f s%n",
                scan.needleCount(),
                scan.bytesScanned(),
                new TreeMap<>(scan.scanned()),
                scan.hits().size(),
                (System.nanoTime() - t0) / 1e9);
        scan.assertClean();
    }

    /**
     * Security (b): the app configured with another Fernet key than Prefect's. Every block-document change that would
     * give an event is dead-lettered, saying the token does not decrypt under the key; every other kind flows, exact;
     * neither key nor any secret is in the app's output, log or metrics.
     */
    @Test
    void wrongKeyDeadLettersBlockDocumentsAndTheRestFlowsExactly() throws Exception {
        List<String> valid = ValidStream.lines(200, PoisonInputTest.SEED);
        assertKeyProblem(
                "wrongkey",
                valid,
                valid,
                Map.of("PREFECT_SERVER_ENCRYPTION_KEY", PoisonRecords.OTHER_KEY),
                "block document data could not be decrypted: invalid Fernet token: HMAC mismatch (wrong key or tampered token)");
    }

    /** Security (b): no key at all (not set, and the configuration table not captured). */
    @Test
    void missingKeyDeadLettersBlockDocumentsAndTheRestFlowsExactly() throws Exception {
        List<String> valid = ValidStream.lines(200, PoisonInputTest.SEED);
        assertKeyProblem(
                "nokey",
                valid,
                withoutConfiguration(valid),
                Map.of(),
                "no encryption key: set PREFECT_SERVER_ENCRYPTION_KEY or capture the configuration table");
    }

    /**
     * @param valid     the records with the key where Prefect keeps it
     * @param appInput  the records the app gets
     */
    private static void assertKeyProblem(
            String name, List<String> valid, List<String> appInput, Map<String, String> env, String reason)
            throws Exception {
        List<String> right = ReplayIT.transform(valid);
        List<String> expected = right.stream()
                .filter(e -> !e.contains("\"event\":\"prefect.block-document."))
                .toList();
        long documentEvents = right.size() - expected.size();
        List<JarRun.In> records = appInput.stream()
                .map(line -> {
                    var r = io.prefectlifecycle.stream.FixtureRecord.parse(line);
                    return JarRun.in(r.key(), r.value());
                })
                .toList();

        JarRun.Result run = JarRun.run(kafka.get(), name, records, env, work);

        Map<String, Long> reasons = new TreeMap<>();
        run.deadLetters()
                .forEach(d ->
                        reasons.merge(d.header("dlq.source.topic") + ": " + d.header("dlq.reason"), 1L, Long::sum));
        System.out.printf(
                "PoisonInputIT %s: %,d records, %,d events (%,d block-document events with the right key), "
                        + "dead letters %s, metrics dead letters encryption %.0f, failed stream threads %.0f, in %.1f s%n",
                name,
                records.size(),
                run.events().size(),
                documentEvents,
                reasons,
                run.metric("prefect_cdc_dead_letters_total", "reason=\"encryption\""),
                run.metric("kafka_stream_failed_stream_threads_total", ""),
                run.processSeconds());
        assertEquals(expected, run.eventValues(), "every other kind's events, exact");
        assertEquals(
                Map.of(name + ".cdc: " + reason, documentEvents),
                reasons,
                "each block-document change that had an event is dead-lettered, with the reason");
        assertEquals((double) documentEvents, run.metric("prefect_cdc_dead_letters_total", ""), "dead letter metrics");
        assertEquals((double) documentEvents, run.metric("prefect_cdc_dead_letters_total", "reason=\"encryption\""));
        assertEquals(0.0, run.metric("kafka_stream_failed_stream_threads_total", ""), "no stream thread died");
        assertEquals(0, run.exitCode());
        SecretScan scan = SecretScan.of(secrets(), List.of(ValidStream.FERNET_KEY, PoisonRecords.OTHER_KEY));
        scanEverything(scan, run, "configuration");
        System.out.printf(
                "PoisonInputIT %s: secret scan: %d needles over %,d bytes: %d hits%n",
                name, scan.needleCount(), scan.bytesScanned(), scan.hits().size());
        scan.assertClean();
    }

    /** The stream as if the configuration table were not captured: its changes gone, END records counting without them. */
    private static List<String> withoutConfiguration(List<String> lines) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            var node = (com.fasterxml.jackson.databind.node.ObjectNode) io.prefectlifecycle.cdc.Json.parse(line);
            if (node.path("topic").asText().endsWith(".configuration")) {
                continue;
            }
            var value = node.path("value");
            if (value.path("status").asText().equals("END")
                    && value.path("data_collections").isArray()) {
                var collections = (com.fasterxml.jackson.databind.node.ArrayNode) value.get("data_collections");
                for (int i = collections.size() - 1; i >= 0; i--) {
                    if (collections.get(i).path("data_collection").asText().endsWith(".configuration")) {
                        long removed = collections.get(i).path("event_count").asLong();
                        collections.remove(i);
                        ((com.fasterxml.jackson.databind.node.ObjectNode) value)
                                .put("event_count", value.path("event_count").asLong() - removed);
                    }
                }
            }
            out.add(node.toString());
        }
        return out;
    }

    /**
     * Records over the broker's default 1 MB (a Connect worker and CDC topics whose limits were raised): a 3 MB poison
     * record and a valid 3 MB variable on CDC topics that allow 16 MB, while the app's own topics and producer keep
     * Kafka's defaults. The app must not crash-loop on them: both are dead-lettered without their bytes (which cannot be
     * written either), saying so, and the changes after them flow.
     */
    @Test
    void multiMegabyteRecordsDoNotStopTheApp() throws Exception {
        String name = "huge";
        List<String> valid = new ArrayList<>(ReplayIT.VariableHistory.generate(20, PoisonInputTest.SEED));
        String big = "x".repeat(3 * 1024 * 1024);
        valid.add(detachedVariable(
                "00000000-0000-4000-d000-000000000001", "three_megabytes", "\"" + big + "\"", 90_000_001L));
        valid.add(detachedVariable("00000000-0000-4000-d000-000000000002", "after_the_big_one", "1", 90_000_002L));
        List<JarRun.In> records = new ArrayList<>();
        for (String line : valid) {
            var r = io.prefectlifecycle.stream.FixtureRecord.parse(line);
            records.add(JarRun.in(r.key(), r.value()));
        }
        byte[] poison = ("{\"before\":null,\"after\":{\"value\":\"" + big).getBytes(StandardCharsets.UTF_8);
        records.add(records.size() - 1, JarRun.in("{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8), poison));
        try (var admin = kafka.admin()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(name + ".cdc", 1, (short) 1)
                            .configs(Map.of("max.message.bytes", Integer.toString(16 * 1024 * 1024)))))
                    .all()
                    .get();
        }
        List<String> expected = ReplayIT.transform(valid);

        JarRun.Result run = JarRun.run(kafka.get(), name, records, Map.of(), work);

        Map<String, Long> reasons = new TreeMap<>();
        run.deadLetters()
                .forEach(d -> reasons.merge(
                        d.header("dlq.reason") + " (value "
                                + (d.value() == null ? "left out" : d.value().length() + " bytes") + ")",
                        1L,
                        Long::sum));
        System.out.printf(
                "PoisonInputIT huge: %d events, dead letters %s, failed stream threads %.0f%n",
                run.events().size(), reasons, run.metric("kafka_stream_failed_stream_threads_total", ""));
        assertEquals(0.0, run.metric("kafka_stream_failed_stream_threads_total", ""), "no stream thread died");
        assertEquals(
                expected.stream().filter(e -> !e.contains("three_megabytes")).toList(), run.eventValues());
        assertEquals(2, run.deadLetters().size(), "the poison and the valid change too large to write");
        for (CommittedRecords.Received dead : run.deadLetters()) {
            assertEquals("RecordTooLarge", dead.header("dlq.exception.class"));
            assertTrue(
                    dead.header("dlq.reason").contains("is larger than the app's max.request.size of 1048576 bytes"),
                    dead.header("dlq.reason"));
            assertEquals(null, dead.value(), "left out: the bytes stay at the source offset");
        }
        assertEquals(2.0, run.metric("prefect_cdc_dead_letters_total", "reason=\"record_too_large\""));
        assertEquals(0, run.exitCode());
    }

    private static String detachedVariable(String id, String name, String valueJson, long lsn) {
        var after = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode()
                .put("id", id)
                .put("created", "2026-06-05T13:20:00.000000Z")
                .put("updated", "2026-06-05T13:20:00.000000Z")
                .put("name", name)
                .put("tags", "[]")
                .put("value", valueJson);
        var value = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        value.putNull("before");
        value.set("after", after);
        value.putObject("source")
                .put("version", "3.6.1.Final")
                .put("connector", "postgresql")
                .put("name", "prefect")
                .put("ts_ms", 1_795_719_900_000L)
                .put("snapshot", "false")
                .put("db", "prefect")
                .put("ts_us", 1_795_719_900_000_000L)
                .put("schema", "public")
                .put("table", "variable")
                .put("lsn", lsn)
                .putNull("txId"); // applied alone: no transaction to wait for
        value.putNull("transaction");
        value.put("op", "c").put("ts_ms", 1_795_719_900_007L);
        return "{\"topic\":\"prefect.public.variable\",\"key\":{\"id\":\"" + id + "\"},\"value\":" + value + "}";
    }

    static List<String> secrets() {
        List<String> secrets = new ArrayList<>(ValidStream.SECRETS);
        secrets.addAll(ValidStream.CAPTURED_SECRETS);
        return secrets;
    }

    /**
     * The app's output (events, dead letters), its log and its metrics, for the secrets and the key; the CDC topics and
     * the app's changelogs for the plaintext secrets only. Prefect keeps the key in its {@code configuration} table
     * when {@code PREFECT_SERVER_ENCRYPTION_KEY} is not set, so that table's topic, the dead letters copied from it and
     * the row-state changelog that remembers it hold the key like the database does (docs/reliability-poison-secrets.md).
     */
    static void scanEverything(SecretScan plaintextAndKey, JarRun.Result run, String configurationTable)
            throws Exception {
        plaintextAndKey.topic(kafka.bootstrapServers(), run.eventsTopic());
        plaintextAndKey.topic(
                kafka.bootstrapServers(),
                run.deadLetterTopic(),
                r -> r.value() == null
                        || !new String(r.value(), StandardCharsets.UTF_8)
                                .contains("\"table\":\"" + configurationTable + "\""));
        plaintextAndKey.file("log", run.log());
        plaintextAndKey.text("metrics", "/metrics", run.metricsText());
        SecretScan plaintextOnly = SecretScan.of(secrets(), List.of());
        try (var admin = kafka.admin()) {
            for (String topic : admin.listTopics().names().get()) {
                if (run.cdcTopics().contains(topic)
                        || topic.startsWith(run.applicationId() + "-")
                        || topic.equals(run.deadLetterTopic())) {
                    plaintextOnly.topic(kafka.bootstrapServers(), topic);
                }
            }
        }
        System.out.printf(
                "PoisonInputIT: plaintext-only scan of the CDC topics and changelogs: %,d bytes %s, %d hits%n",
                plaintextOnly.bytesScanned(),
                new TreeMap<>(plaintextOnly.scanned()),
                plaintextOnly.hits().size());
        plaintextOnly.assertClean();
        // informational: where Prefect's key (kept in its configuration table) is in Kafka
        SecretScan keyOnly = SecretScan.of(List.of(), List.of(ValidStream.FERNET_KEY));
        for (String topic : run.cdcTopics()) {
            keyOnly.topic(kafka.bootstrapServers(), topic);
        }
        for (String store : List.of("prefect-rows", "prefect-open-transaction")) {
            keyOnly.topic(kafka.bootstrapServers(), run.applicationId() + "-" + store + "-changelog");
        }
        keyOnly.topic(kafka.bootstrapServers(), run.deadLetterTopic());
        Map<String, Long> keyRecords = new TreeMap<>();
        keyOnly.hits().stream()
                .map(h -> h.where().replaceAll("-\\d+@\\d+ .*$", "") + " "
                        + h.where().replaceAll("^.*@(\\d+) .*$", "$1"))
                .distinct()
                .forEach(w -> keyRecords.merge(w.substring(0, w.indexOf(' ')), 1L, Long::sum));
        System.out.printf(
                "PoisonInputIT: records holding the Fernet key (Prefect's configuration row), by topic: %s%n",
                keyRecords);
    }

    private static void assertDeadLettersKeepTheOriginalRecord(
            PoisonOutcomes outcomes, JarRun.Result run, String prefix) {
        Map<String, PoisonRecords.Input> byCoordinates = new java.util.HashMap<>();
        outcomes.placed().forEach(p -> byCoordinates.put(prefix + "cdc@" + p.offset(), p.input()));
        for (CommittedRecords.Received dead : run.deadLetters()) {
            String at = dead.header("dlq.source.topic") + "@" + dead.header("dlq.source.offset");
            PoisonRecords.Input original = byCoordinates.get(at);
            assertTrue(original != null, "a dead letter of a record that was produced: " + at);
            assertEquals(
                    new String(original.value(), StandardCharsets.UTF_8), dead.value(), "dead letter value of " + at);
            assertEquals(
                    original.key() == null ? null : new String(original.key(), StandardCharsets.UTF_8),
                    dead.key(),
                    "dead letter key of " + at);
        }
    }
}
