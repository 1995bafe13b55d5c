package io.prefectlifecycle.event;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.ShortNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrefectJsonWriterTest {

    private static final JsonMapper DOUBLES = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    private static final JsonMapper DECIMALS = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern NON_FINITE = Pattern.compile("\\b(NaN|Infinity)\\b");
    private static final Pattern NEGATIVE_ZERO = Pattern.compile("-0\\.0(?![0-9])");

    private record Vector(String name, String input, String expected) {}

    /** Each input is parsed with Jackson's defaults (doubles) and written; pydantic-core wrote the expected text. */
    @Test
    void matchesEveryPydanticVector() throws IOException {
        List<Vector> vectors = vectors();
        assertTrue(vectors.size() > 400, "vector file too small: " + vectors.size());
        List<String> mismatches = new ArrayList<>();
        for (Vector v : vectors) {
            String actual = PrefectJsonWriter.toJson(DOUBLES.readTree(v.input()));
            if (!actual.equals(v.expected())) {
                mismatches.add(v.name() + ": expected " + v.expected() + "\n got " + actual);
            }
        }
        assertEquals(List.of(), mismatches);
    }

    /** The same vectors with every fraction read as a DecimalNode: written as the double it rounds to. */
    @Test
    void decimalNodesWriteAsTheirDouble() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        for (Vector v : vectors()) {
            if (NON_FINITE.matcher(v.input()).find()
                    || NEGATIVE_ZERO.matcher(v.input()).find()) {
                continue; // BigDecimal has no NaN, Infinity or -0.0 (JSONB drops the sign too, spec §6.3)
            }
            String actual = PrefectJsonWriter.toJson(DECIMALS.readTree(v.input()));
            if (!actual.equals(v.expected())) {
                mismatches.add(v.name() + ": expected " + v.expected() + "\n got " + actual);
            }
            checked++;
        }
        assertTrue(checked > 400);
        assertEquals(List.of(), mismatches);
    }

    @Test
    void keepsTheObjectsKeyOrder() {
        ObjectNode node = NODES.objectNode();
        node.put("z", 1).put("a", "x").put("weights", 0.5);
        node.putNull("m");
        node.putArray("tags").add("prod").add("db");
        assertEquals(
                "{\"z\":1,\"a\":\"x\",\"weights\":0.5,\"m\":null,\"tags\":[\"prod\",\"db\"]}",
                PrefectJsonWriter.toJson(node));
    }

    @Test
    void writesTheSpecsE8Payload() {
        ObjectNode payload = NODES.objectNode()
                .put("name", "api-rate")
                .put("limit", 10)
                .put("active", false)
                .put("slot_decay_per_second", 2.5e-6);
        assertEquals(
                "{\"name\":\"api-rate\",\"limit\":10,\"active\":false,\"slot_decay_per_second\":2.5e-6}",
                PrefectJsonWriter.toJson(payload));
    }

    @Test
    void integralNodesAreDigits() {
        assertEquals("7", PrefectJsonWriter.toJson(ShortNode.valueOf((short) 7)));
        assertEquals("-2147483648", PrefectJsonWriter.toJson(IntNode.valueOf(Integer.MIN_VALUE)));
        assertEquals("-9223372036854775808", PrefectJsonWriter.toJson(LongNode.valueOf(Long.MIN_VALUE)));
        assertEquals(
                "1000000000000000000000000000000",
                PrefectJsonWriter.toJson(BigIntegerNode.valueOf(BigInteger.TEN.pow(30))));
    }

    @Test
    void floatingNodesGoThroughPydanticFloats() {
        assertEquals("5432.0", PrefectJsonWriter.toJson(DoubleNode.valueOf(5432)));
        assertEquals("null", PrefectJsonWriter.toJson(DoubleNode.valueOf(Double.NaN)));
        assertEquals("0.10000000149011612", PrefectJsonWriter.toJson(FloatNode.valueOf(0.1f)));
        assertEquals("1.5", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("1.50"))));
        assertEquals("0.0", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("-0.0"))));
        assertEquals(
                "0.1",
                PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("0.1000000000000000055511151231257827"))));
        assertEquals("5432.0", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("5432"))));
        assertEquals("1e+21", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("1E+21"))));
        // Python reads 1e400 as inf and writes null; 1e-400 as 0.0
        assertEquals("null", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("1e400"))));
        assertEquals("0.0", PrefectJsonWriter.toJson(DecimalNode.valueOf(new BigDecimal("1e-400"))));
    }

    @Test
    void escapesOnlyWhatPydanticEscapes() {
        assertEquals(
                "\"\\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f\\u000b/\u007f\u2028\u2029é中😀\"",
                string("\"\\\b\t\n\f\r\u0000\u001f\u000b/\u007f\u2028\u2029é中😀"));
    }

    @Test
    void controlCharactersUseLowercaseHex() {
        for (char c = 0; c < 0x20; c++) {
            String written = string(String.valueOf(c));
            assertEquals(written.toLowerCase(Locale.ROOT), written);
            assertFalse(written.chars().anyMatch(ch -> ch < 0x20), written);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"\ud800", "a\udfff", "x\ud83dy", "\ude00\ud83d", "end\ud83d"})
    void loneSurrogatesAreRejectedLikePython(String s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> string(s));
        assertTrue(e.getMessage().contains("lone surrogate"), e.getMessage());
        ObjectNode asKey = NODES.objectNode().put(s, 1);
        assertThrows(IllegalArgumentException.class, () -> PrefectJsonWriter.toJson(asKey));
    }

    @Test
    void surrogatePairsAreWrittenRaw() {
        assertEquals("\"\ud83d\ude00\"", string("\ud83d\ude00"));
        assertEquals("\"\uDBFF\uDFFF\"", string("\uDBFF\uDFFF"));
    }

    @Test
    void writeAppendsToTheBuilder() {
        StringBuilder out = new StringBuilder("{\"event\":");
        PrefectJsonWriter.writeString("prefect.flow.created", out);
        out.append(",\"payload\":");
        PrefectJsonWriter.write(TextNode.valueOf("x"), out);
        assertEquals("{\"event\":\"prefect.flow.created\",\"payload\":\"x\"", out.toString());
    }

    @Test
    void nodesWithoutAPythonEquivalentAreRejected() {
        for (JsonNode node :
                List.of(BinaryNode.valueOf(new byte[] {1}), new POJONode(new Object()), MissingNode.getInstance())) {
            assertThrows(IllegalArgumentException.class, () -> PrefectJsonWriter.toJson(node));
        }
    }

    /** The topology dead-letters the source record of an event it cannot encode; any other exception fails the task. */
    @Test
    void anEventPrefectsJsonCannotHoldIsAnEncodingErrorOfTheJsonFormat() {
        Resource resource = Resource.of("variable", "5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", "v");
        UUID id = UUID.fromString("01890a5d-ac96-774b-bcce-b302099a8057");
        LifecycleEvent missingPayload = new LifecycleEvent(
                Instant.parse("2026-06-05T13:01:54Z"),
                "prefect.variable.created",
                resource,
                List.of(),
                MissingNode.getInstance(),
                id);
        LifecycleEvent beyondPython = new LifecycleEvent(
                Instant.parse("+10000-01-01T00:00:00Z"),
                "prefect.variable.created",
                resource,
                List.of(),
                NODES.objectNode(),
                id);
        for (LifecycleEvent event : List.of(missingPayload, beyondPython)) {
            EventEncodingException e =
                    assertThrows(EventEncodingException.class, () -> EventEncoder.JSON.encode(event));
            assertTrue(e.getMessage().startsWith("prefect.variable.created: "), e.getMessage());
        }
    }

    private static String string(String s) {
        StringBuilder out = new StringBuilder();
        PrefectJsonWriter.writeString(s, out);
        return out.toString();
    }

    private static List<Vector> vectors() throws IOException {
        List<Vector> vectors = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(PrefectJsonWriterTest.class.getResourceAsStream("/vectors/pydantic-json.jsonl")),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode row = DOUBLES.readTree(line);
                if (row.has("input")) {
                    vectors.add(new Vector(
                            row.get("name").asText(),
                            row.get("input").asText(),
                            row.get("expected").asText()));
                }
            }
        }
        return vectors;
    }
}
