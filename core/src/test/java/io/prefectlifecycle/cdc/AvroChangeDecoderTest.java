package io.prefectlifecycle.cdc;

import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The Avro side of {@link ChangeDecoder}: told by the first byte, decoded like the JSON of the same data. */
class AvroChangeDecoderTest {

    private static final Schema KEY = new Schema.Parser()
            .parse("{\"type\":\"record\",\"name\":\"Key\",\"namespace\":"
                    + "\"prefect.public.flow\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"}]}");
    private static final Schema VALUE = new Schema.Parser().parse("""
            {"type":"record","name":"Envelope","namespace":"prefect.public.flow","fields":[
              {"name":"before","type":["null",{"type":"record","name":"Value","fields":[
                {"name":"id","type":"string"},{"name":"name","type":"string"},{"name":"limit","type":"long"},
                {"name":"ratio","type":"float"},{"name":"labels","type":["null","string"]}]}]},
              {"name":"after","type":["null","Value"]},
              {"name":"source","type":{"type":"record","name":"Source","namespace":"io.debezium","fields":[
                {"name":"name","type":"string"},{"name":"schema","type":"string"},{"name":"table","type":"string"},
                {"name":"ts_us","type":"long"},{"name":"lsn","type":["null","long"]},{"name":"txId","type":["null","long"]},
                {"name":"snapshot","type":["null","string"]}]}},
              {"name":"op","type":"string"}]}""");

    private static final String JSON_KEY = "{\"id\":\"k-1\"}";
    private static final String JSON_VALUE = "{\"before\":null,\"after\":{\"id\":\"k-1\",\"name\":\"etl\",\"limit\":5,"
            + "\"ratio\":0.1,\"labels\":\"{\\\"a\\\": \\\"b\\\"}\"},\"source\":{\"name\":\"prefect\",\"schema\":\"public\","
            + "\"table\":\"flow\",\"ts_us\":1780664515123573,\"lsn\":24024048,\"txId\":751,\"snapshot\":\"false\"},"
            + "\"op\":\"c\"}";

    @Test
    void anAvroRecordDecodesAsTheJsonOfTheSameData() throws IOException {
        ChangeDecoder decoder = new ChangeDecoder(id -> id == 1 ? KEY : VALUE);
        Decoded fromAvro = decoder.decode(
                "prefect.public.flow",
                ConfluentWireFormat.frame(1, binary(key())),
                ConfluentWireFormat.frame(2, binary(value())));
        Decoded fromJson = new ChangeDecoder()
                .decode(
                        "prefect.public.flow",
                        JSON_KEY.getBytes(StandardCharsets.UTF_8),
                        JSON_VALUE.getBytes(StandardCharsets.UTF_8));
        ChangeRecord avro = assertInstanceOf(Decoded.Change.class, fromAvro).change();
        ChangeRecord json = assertInstanceOf(Decoded.Change.class, fromJson).change();
        assertEquals(json, avro);
        assertEquals(json.after().columns().toString(), avro.after().columns().toString());
    }

    @Test
    void withoutARegistryAnAvroRecordIsMalformedSayingWhy() throws IOException {
        Decoded decoded =
                new ChangeDecoder().decode("prefect.public.flow", null, ConfluentWireFormat.frame(7, binary(value())));
        assertEquals(
                "Avro value: schema id 7: no schema registry is configured (schema.registry.url)",
                assertInstanceOf(Decoded.Malformed.class, decoded).reason());
        assertEquals(
                "Avro value: starts with the Avro magic byte 0 but is shorter than the 5-byte header",
                assertInstanceOf(Decoded.Malformed.class, new ChangeDecoder().decode("t", null, new byte[] {0, 1}))
                        .reason());
    }

    @Test
    void bytesThatAreNotARecordOfTheirSchemaAreMalformed() {
        ChangeDecoder decoder = new ChangeDecoder(id -> VALUE);
        Decoded decoded =
                decoder.decode("prefect.public.flow", null, ConfluentWireFormat.frame(2, new byte[] {2, 9, 9, 9}));
        assertEquals(
                true,
                assertInstanceOf(Decoded.Malformed.class, decoded)
                        .reason()
                        .startsWith("Avro value: not a record of its writer schema (id 2)"));
    }

    @Test
    void aRegistryThatDoesNotAnswerIsNotADecodingOutcome() {
        ChangeDecoder decoder = new ChangeDecoder(id -> {
            throw new SchemaRegistryUnavailableException("registry down", null);
        });
        assertThrows(
                SchemaRegistryUnavailableException.class,
                () -> decoder.decode("prefect.public.flow", null, ConfluentWireFormat.frame(2, new byte[] {0})));
    }

    private static GenericRecord key() {
        GenericRecord key = new GenericData.Record(KEY);
        key.put("id", "k-1");
        return key;
    }

    private static GenericRecord value() {
        Schema row = VALUE.getField("after").schema().getTypes().get(1);
        GenericRecord after = new GenericData.Record(row);
        after.put("id", "k-1");
        after.put("name", "etl");
        after.put("limit", 5L);
        after.put("ratio", 0.1f);
        after.put("labels", "{\"a\": \"b\"}");
        GenericRecord source = new GenericData.Record(VALUE.getField("source").schema());
        source.put("name", "prefect");
        source.put("schema", "public");
        source.put("table", "flow");
        source.put("ts_us", 1780664515123573L);
        source.put("lsn", 24024048L);
        source.put("txId", 751L);
        source.put("snapshot", "false");
        GenericRecord value = new GenericData.Record(VALUE);
        value.put("before", null);
        value.put("after", after);
        value.put("source", source);
        value.put("op", "c");
        return value;
    }

    private static byte[] binary(GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
