package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.FixtureRecord;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.LongStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random type changes anywhere in real Debezium records (a column, a JSON column's content, a source field), with
 * the whole valid stream before them so every kind has its state, through the app's topology
 * ({@link TopologyHarness}): whatever a mutation gives (an event, silence, a dead letter), the pipeline must not throw,
 * since a throw kills the stream thread, and every record gets exactly one outcome. Which one is not
 * predicted here (a mutation of an irrelevant field is still valid); {@link PoisonRecords} covers the predicted kind.
 */
class MutationFuzzTest {

    @Test
    void noMutationMakesThePipelineThrowAndEachGetsOneOutcome() throws Exception {
        List<String> valid = ValidStream.lines(200, 7L);
        List<FixtureRecord> templates = valid.stream()
                .map(FixtureRecord::parse)
                .filter(r -> r.value() != null && !r.topic().endsWith(".transaction"))
                .toList();
        Random random = new Random(20261126L);
        int mutations = Integer.getInteger("fuzz.mutations", 5_000);
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults())) {
            long piped = 0;
            for (String line : valid) {
                FixtureRecord r = FixtureRecord.parse(line);
                harness.pipe(r.key(), r.value());
                piped++;
            }
            for (int i = 0; i < mutations; i++) {
                FixtureRecord template = templates.get(random.nextInt(templates.size()));
                ObjectNode value = (ObjectNode) Json.MAPPER.readTree(template.value());
                if (value.get("source") instanceof ObjectNode source) {
                    source.put("lsn", 100_000_000L + i); // a new change, not a redelivery of the template
                }
                String where = mutate(value, random);
                try {
                    harness.pipe(template.key(), Json.MAPPER.writeValueAsBytes(value));
                    // a transaction of its own: the next change ends the mutated one's, whatever its id became
                    harness.pipe(TopologyHarness.HEARTBEAT_KEY, TopologyHarness.heartbeat(HEARTBEAT_TX + i));
                    piped += 2;
                } catch (RuntimeException e) {
                    // the task failed, as the app's stream thread would
                    fail("mutation " + i + " of " + template.topic() + " at " + where + " threw " + e + ", caused by "
                            + e.getCause() + "\n" + value);
                }
            }
            harness.endInput();
            piped += TopologyHarness.END_OF_INPUT_RECORDS;

            Map<Long, Integer> outcomesPerOffset = new TreeMap<>();
            Map<String, Integer> counts = new TreeMap<>();
            for (Emission e : harness.outcomes()) {
                outcomesPerOffset.merge(e.source().offset(), 1, Integer::sum);
                counts.merge(e.outcome().getClass().getSimpleName(), 1, Integer::sum);
            }
            System.out.printf("MutationFuzzTest: %,d mutations, %,d records, outcomes %s%n", mutations, piped, counts);
            List<String> notOne = LongStream.range(0, piped)
                    .filter(o -> outcomesPerOffset.getOrDefault(o, 0) != 1)
                    .mapToObj(o -> "@" + o + ": " + outcomesPerOffset.getOrDefault(o, 0))
                    .limit(20)
                    .toList();
            assertEquals(List.of(), notOne, "records without exactly one outcome (offset: outcomes)");
            assertEquals(piped, outcomesPerOffset.size(), "offsets with an outcome");
        }
    }

    /** The transaction ids of the heartbeats between mutations: above any the templates use. */
    private static final long HEARTBEAT_TX = 3_000_000_000L;

    /** Replaces one field, at any depth (JSON text columns are parsed, mutated and written back), by another type. */
    private static String mutate(ObjectNode value, Random random) throws Exception {
        List<String> path = new ArrayList<>();
        JsonNode node = value;
        ObjectNode parent = value;
        String field = null;
        for (int depth = 0; depth < 4 && node.isObject() && node.size() > 0; depth++) {
            parent = (ObjectNode) node;
            List<String> names = new ArrayList<>();
            for (Iterator<String> it = parent.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            field = names.get(random.nextInt(names.size()));
            path.add(field);
            node = parent.get(field);
            if (node.isTextual() && random.nextBoolean()) {
                JsonNode parsed = tryParse(node.textValue());
                if (parsed != null && parsed.isContainerNode() && parsed.size() > 0) {
                    // mutate inside a JSON column and write it back as text
                    if (parsed.isObject()) {
                        String inner = mutate((ObjectNode) parsed, random);
                        parent.put(field, parsed.toString());
                        return String.join(".", path) + "{" + inner + "}";
                    }
                }
            }
            if (random.nextInt(3) == 0) {
                break;
            }
        }
        parent.set(field, randomValue(random));
        return String.join(".", path);
    }

    private static JsonNode tryParse(String text) {
        try {
            return Json.parse(text);
        } catch (Exception e) {
            return null;
        }
    }

    private static JsonNode randomValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(12)) {
            case 0 -> f.nullNode();
            case 1 -> f.numberNode(random.nextInt());
            case 2 -> f.numberNode(random.nextDouble() * 1e300);
            case 3 -> f.booleanNode(random.nextBoolean());
            case 4 -> f.textNode("");
            case 5 -> f.textNode("x" + random.nextInt());
            case 6 -> f.arrayNode().add(1).add("a").addNull();
            case 7 -> f.objectNode().put("k", random.nextInt());
            case 8 -> f.textNode("__debezium_unavailable_value");
            case 9 -> f.numberNode(Long.MAX_VALUE);
            case 10 -> f.textNode("{\"a\":[1,{\"b\":null}]}");
            default -> f.numberNode(new java.math.BigInteger("123456789012345678901234567890"));
        };
    }
}
