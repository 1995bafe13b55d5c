package io.prefectlifecycle.cdc;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

class ChangeDecoderTest {

    private final ChangeDecoder decoder = new ChangeDecoder();

    private Decoded decode(String topic, String key, String value) {
        return decoder.decode(
                topic,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static final String SOURCE = "\"source\":{\"name\":\"prefect\",\"schema\":\"public\",\"table\":\"flow\","
            + "\"ts_ms\":1780664515123,\"ts_us\":1780664515123573,\"lsn\":24024048,\"txId\":751,\"snapshot\":\"false\"}";
    private static final String AFTER = "{\"id\":\"0b8e6a52-7d3f-4f61-9c1a-2e5d7f9a1b3c\",\"name\":\"etl\"}";

    /** The common key is read without a parser; any other shape goes to the parser, which gives the same id. */
    @Test
    void plainIdKeysAreReadWithoutAParser() {
        assertEquals(
                "6d6b36f7-e7e1-41b9-8221-c8f4249c4202",
                ChangeDecoder.plainIdKey(bytes("{\"id\":\"6d6b36f7-e7e1-41b9-8221-c8f4249c4202\"}")));
        for (String other : new String[] {
            "{\"id\": \"a\"}",
            "{\"id\":\"a\\\"b\"}",
            "{\"id\":\"\u00e9\"}",
            "{\"id\":\"a\",\"x\":\"b\"}",
            "{\"id\":1}",
            "{\"id\":\"\"",
            "{}",
            ""
        }) {
            assertNull(ChangeDecoder.plainIdKey(bytes(other)), other);
        }
        assertNull(ChangeDecoder.plainIdKey(null));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aCreateDecodesIntoAChangeWithSourceAndKey() {
        Decoded decoded = decode(
                "prefect.public.flow",
                "{\"id\":\"k-1\"}",
                "{\"before\":null,\"after\":" + AFTER + "," + SOURCE + ",\"op\":\"c\",\"transaction\":"
                        + "{\"id\":\"751:24024048\",\"total_order\":2,\"data_collection_order\":1}}");
        ChangeRecord change = assertInstanceOf(Decoded.Change.class, decoded).change();
        assertEquals(Op.CREATE, change.op());
        assertEquals("k-1", change.primaryKey());
        assertEquals("flow", change.table());
        assertEquals(1780664515123573L, change.source().commitMicros());
        assertEquals(24024048L, change.source().lsn());
        assertEquals(new TransactionRef("751:24024048", 2, 1), change.transaction());
        assertNull(change.before());
        assertEquals("etl", change.after().string("name"));
    }

    @Test
    void commitTimeFallsBackToMillisecondsAndKeyToTheRowId() {
        String source = SOURCE.replace(",\"ts_us\":1780664515123573", "");
        ChangeRecord change = assertInstanceOf(
                        Decoded.Change.class,
                        decode("t", null, "{\"before\":null,\"after\":" + AFTER + "," + source + ",\"op\":\"u\"}"))
                .change();
        assertEquals(1780664515123000L, change.source().commitMicros());
        assertEquals("0b8e6a52-7d3f-4f61-9c1a-2e5d7f9a1b3c", change.primaryKey());
    }

    @Test
    void nullValueIsATombstone() {
        assertInstanceOf(Decoded.Tombstone.class, decode("prefect.public.flow", "{\"id\":\"x\"}", null));
    }

    @Test
    void transactionMarkersHeartbeatsTruncatesAndMessagesAreNotChanges() {
        Decoded begin = decode(
                "prefect.transaction",
                null,
                "{\"status\":\"BEGIN\",\"id\":\"771:1\",\"event_count\":null,\"data_collections\":null,\"ts_ms\":1}");
        assertEquals(new Decoded.TransactionMarker("BEGIN", "771:1", 0, Map.of()), begin);
        Decoded end = decode(
                "prefect.transaction",
                null,
                "{\"status\":\"END\",\"id\":\"771:1\",\"event_count\":3,"
                        + "\"data_collections\":[{\"data_collection\":\"public.flow\",\"event_count\":2},"
                        + "{\"data_collection\":\"public.prefect_cdc_heartbeat\",\"event_count\":1}]}");
        assertEquals(
                new Decoded.TransactionMarker(
                        "END", "771:1", 3, Map.of("public.flow", 2L, "public.prefect_cdc_heartbeat", 1L)),
                end);
        assertEquals(
                new Decoded.Ignored(IgnoredCategory.HEARTBEAT, "heartbeat"),
                decode("__debezium-heartbeat.prefect", null, "{\"ts_ms\":1}"));
        assertEquals(
                new Decoded.Ignored(IgnoredCategory.TRUNCATE, "truncate"),
                decode("t", null, "{\"op\":\"t\"," + SOURCE + "}"));
        assertEquals(
                new Decoded.Ignored(IgnoredCategory.LOGICAL_MESSAGE, "logical decoding message"),
                decode("t", null, "{\"op\":\"m\"," + SOURCE + "}"));
    }

    @Test
    void malformedInputSaysWhatIsWrongWithoutEchoingValues() {
        assertEquals(new Decoded.Malformed("value is not a JSON object"), decode("t", null, "[1]"));
        assertEquals(
                new Decoded.Malformed("unknown op 'secret?value'"), decode("t", null, "{\"op\":\"secret value\"}"));
        assertEquals(
                new Decoded.Malformed("no source block"), decode("t", null, "{\"op\":\"c\",\"after\":" + AFTER + "}"));
        assertEquals(
                new Decoded.Malformed("op 'u' without an after image"),
                decode("t", null, "{\"op\":\"u\",\"after\":null," + SOURCE + "}"));
        Decoded truncated = decode("t", null, "{\"op\":\"c\",\"after\":{\"name\":\"hunter2");
        assertInstanceOf(Decoded.Malformed.class, truncated);
        assertEquals(false, truncated.toString().contains("hunter2"));
    }

    @Test
    void theSchemaWrapperIsOptional() {
        String bare = "{\"before\":null,\"after\":" + AFTER + "," + SOURCE + ",\"op\":\"c\"}";
        String wrapped = "{\"schema\":{\"type\":\"struct\"},\"payload\":" + bare + "}";
        String key = "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":\"k\"}}";
        assertEquals(decode("t", "{\"id\":\"k\"}", bare), decode("t", key, wrapped));
    }
}
