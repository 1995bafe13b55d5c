package io.prefectlifecycle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.stream.InputRecord;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A realistic mixed workload of Debezium records, generated from the real Debezium 3.6 capture of the golden suite
 * ({@code golden/captured/debezium-3.6-full-scenario/input.jsonl}): every change is a copy of a captured change with
 * a fresh primary key, LSN, txId and commit time, wrapped in its BEGIN/END records as Debezium writes them with
 * {@code provide.transaction.metadata=true}.
 * <p>
 * A preamble creates a block type, block schema, the {@code configuration} row with the Fernet key and
 * {@value #CHURN_LIMITS} concurrency limits. Then cycles of ten one-change transactions: two variable inserts, one
 * variable update, a flow insert, a Fernet-encrypted block document insert (≈1.1 KB), an automation insert
 * (≈1.5 KB) and four slot-churn updates of a concurrency limit (silent). 30 records, 6 events per cycle.
 */
public final class Corpus {

    /** One Kafka record of a CDC topic. */
    public record Rec(String topic, byte[] key, byte[] value, long timestampMillis) {
        public InputRecord input(long offset) {
            return new InputRecord(topic, 0, offset, key, value);
        }
    }

    static final int CHURN_LIMITS = 16;
    public static final int RECORDS_PER_CYCLE = 30;
    public static final int EVENTS_PER_CYCLE = 6;

    private final Map<String, ObjectNode> templates = new HashMap<>();
    private final List<Rec> out = new ArrayList<>();
    private long txId = 1_000;
    private long lsn = 100_000_000L;
    /** Commit times start an hour ago, one millisecond apart: the broker rejects future timestamps. */
    private long micros = (System.currentTimeMillis() - 3_600_000L) * 1_000;

    private long ids;

    private Corpus() {
        try (InputStream in = Corpus.class.getResourceAsStream("/corpus/input.jsonl")) {
            if (in == null) {
                throw new IllegalStateException("corpus/input.jsonl is not on the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = reader.readLine()) != null; ) {
                JsonNode record = Json.MAPPER.readTree(line);
                JsonNode value = record.get("value");
                if (value != null && value.has("op")) {
                    templates.put(
                            value.path("source").path("table").asText() + "/"
                                    + value.get("op").asText() + "/"
                                    + value.path("source").path("lsn").asLong(),
                            (ObjectNode) value);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The preamble and then {@code cycles} cycles. */
    public static List<Rec> generate(int cycles) {
        Corpus corpus = new Corpus();
        corpus.preamble();
        for (int i = 0; i < cycles; i++) {
            corpus.cycle(i);
        }
        return corpus.out;
    }

    /** At least {@code records} records (whole cycles). */
    public static List<Rec> ofSize(int records) {
        return generate(Math.max(1, (records + RECORDS_PER_CYCLE - 1) / RECORDS_PER_CYCLE));
    }

    /** {@code n} variable inserts, one transaction each, after the preamble: {@code n} live objects. */
    public static List<Rec> liveVariables(int n) {
        Corpus corpus = new Corpus();
        corpus.preamble();
        for (int i = 0; i < n; i++) {
            corpus.transaction(corpus.create("variable/c/27124016", 1));
        }
        return corpus.out;
    }

    /**
     * One transaction of {@code n} variable inserts: BEGIN, the changes in order, END. Generated as it is read, so that
     * a transaction of a million changes needs no more memory than one change.
     */
    public static Iterable<Rec> oneTransaction(int n) {
        return () -> new Iterator<>() {
            private final Corpus corpus = new Corpus();
            private final long tx = corpus.beginTransaction();
            private int next = -1;

            @Override
            public boolean hasNext() {
                return next <= n;
            }

            @Override
            public Rec next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int position = next++;
                if (position < 0) {
                    return corpus.marker("BEGIN", tx, null, 0);
                }
                if (position < n) {
                    return corpus.change(tx, position + 1, corpus.create("variable/c/27124016", 1));
                }
                return corpus.marker("END", tx, "variable", n);
            }
        };
    }

    private void preamble() {
        transaction(copy("block_type/c/27140808"));
        transaction(copy("block_schema/c/27143456"));
        transaction(copy("configuration/c/27148136"));
        for (int i = 0; i < CHURN_LIMITS; i++) {
            ObjectNode limit = create("concurrency_limit_v2/c/27174832", 5);
            ((ObjectNode) limit.get("after")).put("name", "tag:churn-" + i);
            transaction(limit);
        }
    }

    private void cycle(int i) {
        ObjectNode first = create("variable/c/27124016", 1);
        String firstId = first.get("after").get("id").asText();
        transaction(first);
        transaction(create("variable/c/27124016", 1));
        ObjectNode update = copy("variable/u/27136944");
        ((ObjectNode) update.get("after")).put("id", firstId);
        transaction(update);
        transaction(create("flow/c/27138296", 2));
        transaction(create("block_document/c/27149000", 3));
        transaction(create("automation/c/27186608", 4));
        for (int k = 0; k < 4; k++) {
            ObjectNode churn = copy("concurrency_limit_v2/u/27176352");
            ObjectNode after = (ObjectNode) churn.get("after");
            after.put("id", uuid(5, (i * 4L + k) % CHURN_LIMITS + 1));
            after.put("name", "tag:churn-" + (i * 4 + k) % CHURN_LIMITS);
            after.put("active_slots", (i + k) % 3);
            after.put("denied_slots", i % 2);
            transaction(churn);
        }
    }

    private ObjectNode copy(String template) {
        ObjectNode value = templates.get(template);
        if (value == null) {
            throw new IllegalStateException("no template " + template);
        }
        return value.deepCopy();
    }

    private ObjectNode create(String template, int kindTag) {
        ObjectNode value = copy(template);
        ((ObjectNode) value.get("after")).put("id", uuid(kindTag, ++ids));
        return value;
    }

    private static String uuid(int kindTag, long n) {
        return String.format(Locale.ROOT, "%08x-0000-4000-8000-%012x", kindTag, n);
    }

    /** BEGIN, the change, END, all stamped with a fresh txId, LSN and commit time. */
    private void transaction(ObjectNode change) {
        transaction(List.of(change));
    }

    /** BEGIN, the changes in order, END, all stamped with a fresh txId, LSNs and commit time. */
    private void transaction(List<ObjectNode> changes) {
        long tx = beginTransaction();
        out.add(marker("BEGIN", tx, null, 0));
        int order = 0;
        for (ObjectNode change : changes) {
            out.add(change(tx, ++order, change));
        }
        out.add(marker("END", tx, changes.get(0).path("source").path("table").asText(), changes.size()));
    }

    /** A fresh txId and commit time; the LSNs go on from the last transaction's. */
    private long beginTransaction() {
        micros += 1_000;
        return ++txId;
    }

    /** The {@code order}th change of transaction {@code tx}, at the next LSN. */
    private Rec change(long tx, int order, ObjectNode change) {
        long millis = micros / 1_000;
        lsn += 64;
        ObjectNode source = (ObjectNode) change.get("source");
        source.put("ts_ms", millis)
                .put("ts_us", micros)
                .put("ts_ns", micros * 1_000)
                .put("txId", tx)
                .put("lsn", lsn)
                .put("snapshot", "false")
                .put("sequence", "[null,\"" + lsn + "\"]");
        ObjectNode transaction = Json.MAPPER.createObjectNode();
        transaction.put("id", tx + ":" + lsn).put("total_order", order).put("data_collection_order", order);
        change.set("transaction", transaction);
        change.put("ts_ms", millis).put("ts_us", micros).put("ts_ns", micros * 1_000);
        ObjectNode key = Json.MAPPER
                .createObjectNode()
                .put("id", change.get("after").get("id").asText());
        return new Rec("prefect.public." + source.path("table").asText(), bytes(key), bytes(change), millis);
    }

    /** BEGIN at the transaction's first LSN, or END at the LSN after its last change (and one more after it). */
    private Rec marker(String status, long tx, String table, int count) {
        boolean end = status.equals("END");
        if (end) {
            lsn += 64;
        }
        Rec marker = marker(status, tx, lsn, table, count, micros / 1_000);
        if (end) {
            lsn += 64;
        }
        return marker;
    }

    private static Rec marker(String status, long tx, long lsn, String table, int count, long millis) {
        ObjectNode value = Json.MAPPER.createObjectNode();
        value.put("status", status).put("id", tx + ":" + lsn);
        if (table == null) {
            value.putNull("event_count").putNull("data_collections");
        } else {
            value.put("event_count", count);
            ArrayNode collections = value.putArray("data_collections");
            collections.addObject().put("data_collection", "public." + table).put("event_count", count);
        }
        value.put("ts_ms", millis);
        ObjectNode key = Json.MAPPER.createObjectNode().put("id", tx + ":" + lsn);
        return new Rec("prefect.transaction", bytes(key), bytes(value), millis);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
