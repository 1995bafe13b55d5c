package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.testsupport.FernetTokens;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Poison for the CDC topics, made deterministically (a seed) from real Debezium records: each poison record is built
 * so that it certainly cannot become an event, and says beforehand what must happen to it: which dead-letter family
 * ({@code DeadLetterCategory} label) with a reason naming the problem, or which ignored reason. The expectation
 * comes from how the record was broken, never from running the app.
 *
 * <p>So that poison cannot disturb the valid records around it, every poison change carries a fresh primary key, no
 * transaction block and no {@code txId}: it is applied alone and touches no row or transaction of a valid record.
 * Poison that needs state (a block document's schema and the Fernet key) is placed after the valid records that
 * provide it.
 */
final class PoisonRecords {

    /** What must become of a poison record. */
    record Expectation(boolean deadLetter, String family, String reasonFragment) {
        static Expectation dead(String family, String reasonFragment) {
            return new Expectation(true, family, reasonFragment);
        }

        static Expectation ignored(String reason) {
            return new Expectation(false, reason, "");
        }
    }

    /** One record for a CDC topic: a valid one ({@code poison == null}) or a poison one with its category. */
    record Input(String topic, byte[] key, byte[] value, String category, Expectation expect) {
        boolean isPoison() {
            return category != null;
        }
    }

    /** The valid and poison records mixed, in production order, and how many valid ones there are. */
    record Mix(List<Input> records, int valid, int poison) {
        List<Input> poisonOnly() {
            return records.stream().filter(Input::isPoison).toList();
        }
    }

    /** A valid record parsed once, with where it stands in the valid stream. */
    private record Template(int index, String topic, ObjectNode key, ObjectNode value) {
        String table() {
            return value.path("source").path("table").asText("");
        }

        String op() {
            return value.path("op").asText("");
        }

        boolean isChange() {
            return value.has("op") && value.path("source").isObject();
        }
    }

    /** One way of breaking a record. */
    private record Category(String name, Predicate<Template> fits, boolean needsKeyAndSchema, Breaker breaker) {}

    private interface Breaker {
        Input make(Template template, Random random, PoisonRecords self);
    }

    /** Tables whose changes become events (lookup tables are silent by design, so breaking them proves less). */
    private static final Set<String> EMITTING = Set.of(
            "variable",
            "flow",
            "block_type",
            "concurrency_limit_v2",
            "concurrency_limit",
            "artifact_collection",
            "automation",
            "block_document");

    static final String OTHER_KEY = Base64.getUrlEncoder().encodeToString(bytes(100, 132));
    private static final int HUGE_BYTES = 800 * 1024;
    private static final int HUGE_EVERY = 1000;

    private final List<Template> templates = new ArrayList<>();
    private final Set<String> deletedSchemas = new HashSet<>();
    private int keyKnownFrom = Integer.MAX_VALUE;

    private PoisonRecords(List<String> validLines, String fernetKey) {
        if (OTHER_KEY.equals(fernetKey)) {
            throw new IllegalArgumentException("the valid records must not use the poison's other key");
        }
        for (int i = 0; i < validLines.size(); i++) {
            FixtureRecord record = FixtureRecord.parse(validLines.get(i));
            if (record.value() == null) {
                continue; // tombstones carry nothing to break
            }
            Template template =
                    new Template(i, record.topic(), (ObjectNode) read(record.key()), (ObjectNode) read(record.value()));
            templates.add(template);
            if (template.isChange()
                    && template.op().equals("d")
                    && (template.table().equals("block_schema")
                            || template.table().equals("block_type"))) {
                deletedSchemas.add(template.value().path("before").path("id").asText());
            }
        }
        // the Fernet key is known once the transaction that wrote the configuration row has ended
        for (Template t : templates) {
            if (t.isChange() && t.table().equals("configuration")) {
                String xid = t.value().path("source").path("txId").asText();
                keyKnownFrom = templates.stream()
                        .filter(e -> e.index() > t.index()
                                && e.topic().endsWith(".transaction")
                                && "END".equals(e.value().path("status").asText())
                                && e.value().path("id").asText().startsWith(xid + ":"))
                        .mapToInt(e -> e.index() + 1)
                        .findFirst()
                        .orElse(Integer.MAX_VALUE);
                break;
            }
        }
    }

    /**
     * Mixes {@code count} poison records into {@code validLines} (JSON lines as in the golden files, in the order they
     * are to be produced). The same arguments give the same bytes.
     *
     * @param fernetKey the key the valid block documents are encrypted with (poison tokens are made to fail under it)
     */
    static Mix mix(List<String> validLines, int count, long seed, String fernetKey) {
        return new PoisonRecords(validLines, fernetKey).generate(validLines, count, new Random(seed));
    }

    private Mix generate(List<String> validLines, int count, Random random) {
        List<Category> categories = categories();
        record Placed(int position, int order, Input input) {}
        List<Placed> placed = new ArrayList<>();
        Category huge = huge();
        Map<String, List<Template>> fittingByCategory = new HashMap<>();
        for (int i = 0; i < count; i++) {
            Category category = i % HUGE_EVERY == HUGE_EVERY - 1 ? huge : categories.get(i % categories.size());
            List<Template> fitting = fittingByCategory.computeIfAbsent(
                    category.name(),
                    name -> templates.stream().filter(category.fits()).toList());
            if (fitting.isEmpty()) {
                throw new IllegalStateException("no valid record to make " + category.name() + " from");
            }
            Template template = fitting.get(random.nextInt(fitting.size()));
            int from = category.needsKeyAndSchema() ? Math.max(keyKnownFrom, template.index() + 1) : 0;
            if (from > validLines.size()) {
                throw new IllegalStateException(
                        category.name() + " needs the Fernet key, which the valid records lack");
            }
            int position = from + random.nextInt(validLines.size() - from + 1);
            Input poison = category.breaker().make(template, random, this);
            placed.add(new Placed(
                    position,
                    i,
                    new Input(poison.topic(), poison.key(), poison.value(), category.name(), poison.expect())));
        }
        placed.sort(Comparator.comparingInt(Placed::position).thenComparingInt(Placed::order));
        List<Input> out = new ArrayList<>(validLines.size() + count);
        int next = 0;
        for (int v = 0; v <= validLines.size(); v++) {
            while (next < placed.size() && placed.get(next).position() == v) {
                out.add(placed.get(next++).input());
            }
            if (v < validLines.size()) {
                FixtureRecord record = FixtureRecord.parse(validLines.get(v));
                out.add(new Input(record.topic(), record.key(), record.value(), null, null));
            }
        }
        return new Mix(List.copyOf(out), validLines.size(), count);
    }

    // ---- the categories

    private static final String MALFORMED = "malformed_record";
    private static final String COLUMN = "column_format";
    private static final String MISSING = "missing_state";
    private static final String ENCRYPTION = "encryption";

    private List<Category> categories() {
        Predicate<Template> any = t -> true;
        Predicate<Template> change = Template::isChange;
        // every column sent: a TOAST placeholder in the template would fail before the broken column
        Predicate<Template> emittingChange = t -> t.isChange()
                && EMITTING.contains(t.table())
                && !t.op().equals("d")
                && !t.value().path("after").toString().contains("__debezium_unavailable_value");
        Predicate<Template> marker = t -> t.topic().endsWith(".transaction");
        // created or updated (a snapshot read is only remembered: its rules are not checked until emitted), of a
        // schema that stays, not anonymous (silent)
        Predicate<Template> document = t -> emittingChange.test(t)
                && t.table().equals("block_document")
                && !t.op().equals("r")
                && !t.value().path("after").path("is_anonymous").asBoolean(true)
                && t.value().path("after").path("data").isTextual()
                && !deletedSchemas.contains(
                        t.value().path("after").path("block_schema_id").asText());
        List<Category> all = new ArrayList<>();
        // not a Debezium record
        all.add(new Category("truncated-json", any, false, (t, r, s) -> {
            byte[] bytes = write(t.value());
            byte[] cut = new byte[1 + r.nextInt(bytes.length - 2)];
            System.arraycopy(bytes, 0, cut, 0, cut.length);
            return poison(t.topic(), write(t.key()), cut, Expectation.dead(MALFORMED, "value is not valid JSON"));
        }));
        all.add(new Category("invalid-utf8", any, false, (t, r, s) -> {
            byte[] bytes = write(t.value());
            int at = insideAString(bytes, r);
            byte[][] bad = {{(byte) 0xFF}, {(byte) 0xC3, 0x28}, {(byte) 0xE2, 0x28, (byte) 0xA1}, {(byte) 0x80}};
            byte[] insert = bad[r.nextInt(bad.length)];
            byte[] out = new byte[bytes.length + insert.length];
            System.arraycopy(bytes, 0, out, 0, at);
            System.arraycopy(insert, 0, out, at, insert.length);
            System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
            return poison(t.topic(), write(t.key()), out, Expectation.dead(MALFORMED, "value is not valid JSON"));
        }));
        all.add(new Category("not-an-object", any, false, (t, r, s) -> {
            String[] values = {"[1,2,3]", "\"a string\"", "42", "true", "[" + t.value() + "]"};
            return poison(
                    t.topic(),
                    write(t.key()),
                    utf8(values[r.nextInt(values.length)]),
                    Expectation.dead(MALFORMED, "value is not a JSON object"));
        }));
        all.add(new Category("unknown-op", change, false, (t, r, s) -> {
            String[] ops = {"x", "C", "create", "", "dd", "ü", "c ", "insert"};
            ObjectNode v = t.value().deepCopy();
            v.put("op", ops[r.nextInt(ops.length)]);
            return poison(t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "unknown op '"));
        }));
        all.add(new Category("op-wrong-type", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            JsonNode[] ops = {
                JsonNodeFactory.instance.numberNode(1),
                JsonNodeFactory.instance.booleanNode(true),
                JsonNodeFactory.instance.arrayNode().add("c"),
                JsonNodeFactory.instance.objectNode().put("op", "c")
            };
            v.set("op", ops[r.nextInt(ops.length)]);
            return poison(t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "op is not a string"));
        }));
        all.add(new Category("op-missing", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            v.remove("op");
            return poison(t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "no op field"));
        }));
        all.add(new Category("source-missing", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            switch (r.nextInt(3)) {
                case 0 -> v.remove("source");
                case 1 -> v.putNull("source");
                default -> v.put("source", "postgresql");
            }
            return poison(t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "no source block"));
        }));
        all.add(new Category("source-table-missing", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            ObjectNode source = (ObjectNode) v.get("source");
            if (r.nextBoolean()) {
                source.remove("table");
            } else {
                source.put("table", 17);
            }
            return poison(t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "no source.table"));
        }));
        all.add(new Category("commit-time-missing", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            ObjectNode source = (ObjectNode) v.get("source");
            source.remove("ts_us");
            if (r.nextBoolean()) {
                source.remove("ts_ms");
            } else {
                source.put("ts_ms", "2026-06-05T13:01:54Z");
            }
            return poison(
                    t.topic(),
                    write(t.key()),
                    write(v),
                    Expectation.dead(MALFORMED, "no source.ts_us or source.ts_ms"));
        }));
        all.add(new Category("image-not-an-object", change, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            String image = r.nextBoolean() ? "after" : "before";
            v.set(
                    image,
                    r.nextBoolean()
                            ? TextNode.valueOf("{\"id\":1}")
                            : JsonNodeFactory.instance.arrayNode().add(1));
            return poison(
                    t.topic(), write(t.key()), write(v), Expectation.dead(MALFORMED, "before/after is not an object"));
        }));
        all.add(new Category("after-missing", t -> change.test(t) && !t.op().equals("d"), false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            if (r.nextBoolean()) {
                v.remove("after");
            } else {
                v.putNull("after");
            }
            return poison(
                    t.topic(),
                    write(t.key()),
                    write(v),
                    Expectation.dead(MALFORMED, "op '" + t.op() + "' without an after image"));
        }));
        all.add(new Category("key-wrong-schema", change, false, (t, r, s) -> {
            ObjectNode key = JsonNodeFactory.instance.objectNode();
            switch (r.nextInt(3)) {
                case 0 -> key.putNull("id");
                case 1 -> key.putObject("id").put("uuid", UUID.randomUUID().toString());
                default -> key.putArray("id").add(1).add(2);
            }
            return poison(
                    t.topic(),
                    write(key),
                    write(t.value()),
                    Expectation.dead(MALFORMED, "no primary key in the record key or row"));
        }));
        all.add(new Category("transaction-marker-bad-status", marker, false, (t, r, s) -> {
            ObjectNode v = t.value().deepCopy();
            String[] statuses = {"COMMIT", "begin", "End", "ROLLBACK", ""};
            v.put("status", statuses[r.nextInt(statuses.length)]);
            return poison(
                    t.topic(),
                    write(t.key()),
                    write(v),
                    Expectation.dead(MALFORMED, "transaction record without a BEGIN/END status and id"));
        }));
        // a change whose columns the kinds cannot read
        all.add(new Category(
                "created-wrong-type",
                emittingChange,
                false,
                (t, r, s) -> alone(t, r, after -> {
                    after.put("created", r.nextInt(1_000_000));
                    return Expectation.dead(COLUMN, t.table() + ".created is not a string");
                })));
        all.add(new Category(
                "created-not-a-timestamp",
                emittingChange,
                false,
                (t, r, s) -> alone(t, r, after -> {
                    after.put("created", r.nextBoolean() ? "yesterday" : "2026-13-45T99:00:00Z");
                    return Expectation.dead(COLUMN, t.table() + ".created is not an ISO timestamp");
                })));
        all.add(new Category(
                "created-missing",
                emittingChange,
                false,
                (t, r, s) -> alone(t, r, after -> {
                    after.remove("created");
                    return Expectation.dead(COLUMN, t.table() + ".created is missing from the change record");
                })));
        all.add(new Category(
                "toast-placeholder-without-state",
                emittingChange,
                false,
                (t, r, s) -> alone(t, r, after -> {
                    after.put("created", "__debezium_unavailable_value");
                    return Expectation.dead(
                            COLUMN, t.table() + ".created was not sent (unchanged TOASTed value) and no earlier");
                })));
        all.add(new Category(
                "id-null",
                t -> emittingChange.test(t)
                        && (t.table().equals("variable") || t.table().equals("flow")),
                false,
                (t, r, s) -> alone(t, r, after -> {
                    after.putNull("id");
                    return Expectation.dead(COLUMN, t.table() + ".id is null");
                })));
        // needs a row that was never captured
        all.add(new Category("delete-of-unseen-row", emittingChange, false, (t, r, s) -> {
            String id = freshId(r);
            ObjectNode v = t.value().deepCopy();
            v.set("before", JsonNodeFactory.instance.objectNode().put("id", id));
            v.putNull("after");
            v.put("op", "d");
            detach(v);
            return poison(
                    t.topic(),
                    write(JsonNodeFactory.instance.objectNode().put("id", id)),
                    write(v),
                    Expectation.dead(MISSING, "delete of a row never seen"));
        }));
        all.add(new Category(
                "document-of-unseen-schema",
                document,
                false,
                (t, r, s) -> alone(t, r, after -> {
                    String schema = freshId(r);
                    after.put("block_schema_id", schema);
                    return Expectation.dead(MISSING, "block schema " + schema + " has not been seen");
                })));
        // block documents whose data does not decrypt under the key
        all.add(new Category(
                "fernet-token-tampered",
                document,
                true,
                (t, r, s) -> alone(t, r, after -> {
                    String token = jsonString(after.get("data").asText());
                    int at = 12 + r.nextInt(token.length() - 24);
                    char replacement = token.charAt(at) == 'A' ? 'B' : 'A';
                    after.put("data", "\"" + token.substring(0, at) + replacement + token.substring(at + 1) + "\"");
                    return Expectation.dead(
                            ENCRYPTION, "block document data could not be decrypted: invalid Fernet token");
                })));
        all.add(new Category(
                "fernet-token-other-key",
                document,
                true,
                (t, r, s) -> alone(t, r, after -> {
                    after.put(
                            "data",
                            "\""
                                    + FernetTokens.encrypt(
                                            OTHER_KEY,
                                            "{\"username\": \"x\"}",
                                            1780664514L,
                                            FernetTokens.iv(r.nextInt()))
                                    + "\"");
                    return Expectation.dead(ENCRYPTION, "HMAC mismatch (wrong key or tampered token)");
                })));
        all.add(new Category(
                "fernet-token-not-base64",
                document,
                true,
                (t, r, s) -> alone(t, r, after -> {
                    after.put("data", r.nextBoolean() ? "\"not a token!\"" : "\"gAAAA$$$$\"");
                    return Expectation.dead(ENCRYPTION, "invalid Fernet token: not URL-safe base64");
                })));
        all.add(new Category(
                "fernet-token-truncated",
                document,
                true,
                (t, r, s) -> alone(t, r, after -> {
                    String token = jsonString(after.get("data").asText());
                    String cut = token.substring(0, 8 + 4 * r.nextInt((token.length() - 12) / 4));
                    after.put("data", "\"" + cut + "\"");
                    return Expectation.dead(
                            ENCRYPTION, "block document data could not be decrypted: invalid Fernet token");
                })));
        all.add(new Category(
                "document-data-not-a-token",
                document,
                true,
                (t, r, s) -> alone(t, r, after -> {
                    after.put("data", r.nextBoolean() ? "{\"username\": \"plain\"}" : "42");
                    return Expectation.dead(ENCRYPTION, "block_document.data is not an encrypted token");
                })));
        // a table the app does not know, in a topic it reads: ignored by design, counted
        all.add(new Category("unknown-table", emittingChange, false, (t, r, s) -> {
            Input changed = alone(t, r, after -> Expectation.ignored("unmapped_table"));
            ObjectNode v = (ObjectNode) read(changed.value());
            ((ObjectNode) v.get("source")).put("table", "no_such_table_" + r.nextInt(100));
            return poison(changed.topic(), changed.key(), write(v), changed.expect());
        }));
        return all;
    }

    /** A value far beyond any Prefect row's, still under the broker's default 1 MB: not valid JSON in a JSON column. */
    private static Category huge() {
        return new Category(
                "huge-column-value",
                t -> t.isChange() && t.table().equals("variable") && !t.op().equals("d"),
                false,
                (t, r, s) -> alone(t, r, after -> {
                    StringBuilder big = new StringBuilder(HUGE_BYTES + 1).append('{');
                    while (big.length() < HUGE_BYTES) {
                        big.append((char) ('a' + r.nextInt(26)));
                    }
                    after.put("value", big.toString());
                    return Expectation.dead(COLUMN, "variable.value is not valid JSON");
                }));
    }

    /**
     * The template as a change applied alone: a fresh id in key and row, no before-image, no transaction block,
     * no {@code txId}; {@code breakAfter} breaks the after-image and says what must happen.
     */
    private static Input alone(Template t, Random r, java.util.function.Function<ObjectNode, Expectation> breakAfter) {
        String id = freshId(r);
        ObjectNode v = t.value().deepCopy();
        ObjectNode after = (ObjectNode) v.get("after");
        after.put("id", id);
        v.putNull("before");
        detach(v);
        Expectation expect = breakAfter.apply(after);
        return poison(t.topic(), write(JsonNodeFactory.instance.objectNode().put("id", id)), write(v), expect);
    }

    private static void detach(ObjectNode value) {
        value.putNull("transaction");
        if (value.get("source") instanceof ObjectNode source) {
            source.putNull("txId");
        }
    }

    private static Input poison(String topic, byte[] key, byte[] value, Expectation expect) {
        return new Input(topic, key, value, "", expect);
    }

    private static String freshId(Random r) {
        return new UUID(r.nextLong(), r.nextLong()).toString();
    }

    /** A position just inside a JSON string value of the serialized record (after {@code ":"}). */
    private static int insideAString(byte[] bytes, Random r) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 2 < bytes.length; i++) {
            if (bytes[i] == '"' && bytes[i + 1] == ':' && bytes[i + 2] == '"') {
                starts.add(i + 3);
            }
        }
        return starts.isEmpty() ? bytes.length / 2 : starts.get(r.nextInt(starts.size()));
    }

    /** The token inside a jsonb string column ({@code "\"gAAAA…\""}). */
    private static String jsonString(String jsonText) {
        JsonNode node = read(utf8(jsonText));
        return node.asText();
    }

    private static JsonNode read(byte[] bytes) {
        try {
            return bytes == null ? JsonNodeFactory.instance.objectNode() : Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return Json.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(int from, int to) {
        byte[] b = new byte[to - from];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }
}
