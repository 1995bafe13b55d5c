package io.prefectlifecycle.avro;

import io.prefectlifecycle.kinds.Kinds;
import io.prefectlifecycle.kinds.ObjectKind;
import org.apache.avro.Schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Avro schemas of the events, as reviewed in {@code schemas/avro/} (shipped in the jar under the same path): one
 * file per payload record, then the envelope {@code lifecycle-event.avsc}, whose {@code payload} is the union of them.
 * {@link #ENVELOPE} is self-contained (the payload records inlined): it is what is registered.
 *
 * <p>Annotations the conversion reads: {@code prefect.kind} (the event kind of a payload record) and
 * {@code prefect.table} on each payload record; {@code "prefect.json": true} on a string field (or a map of strings)
 * holding JSON text; {@code "prefect.optional": true} on a nullable field the JSON leaves out when null (the
 * {@code updated}-only fields of the deployment, work-pool and work-queue payloads, which are {@code {}} otherwise).
 */
public final class EventSchemas {

    public static final String DIRECTORY = "schemas/avro/";

    /** The envelope, whose payload union names the payload records. */
    public static final String ENVELOPE_FILE = "lifecycle-event.avsc";

    /**
     * In parse order (a file may name only the records of earlier files): each kind's payload record
     * ({@link #payloadFile}), in the order of {@link Kinds#KINDS}, then the envelope.
     */
    public static final List<String> FILES = Stream.concat(
                    Kinds.KINDS.stream().filter(ObjectKind::emitsEvents).map(EventSchemas::payloadFile),
                    Stream.of(ENVELOPE_FILE))
            .toList();

    public static final String KIND = "prefect.kind";
    public static final String TABLE = "prefect.table";
    public static final String JSON_TEXT = "prefect.json";
    public static final String OPTIONAL = "prefect.optional";

    public static final Schema ENVELOPE = load();

    /** The envelope as registered: Avro's JSON of {@link #ENVELOPE}. */
    public static final String ENVELOPE_TEXT = ENVELOPE.toString();

    private EventSchemas() {}

    /** The file of a kind's payload record, in {@link #DIRECTORY}: {@code payload-<name>.avsc}. */
    public static String payloadFile(ObjectKind kind) {
        return "payload-" + kind.name() + ".avsc";
    }

    /** The payload records, in union order. */
    public static List<Schema> payloads() {
        return ENVELOPE.getField("payload").schema().getTypes();
    }

    /** The payload record of a captured table ({@code prefect.table}). */
    public static Optional<Schema> payloadForTable(String table) {
        return payloads().stream().filter(p -> table.equals(p.getProp(TABLE))).findFirst();
    }

    static boolean isJsonText(Schema.Field field) {
        return Boolean.TRUE.equals(field.getObjectProp(JSON_TEXT));
    }

    /** A {@code ["null", T]} field that the JSON payload leaves out when it is null. */
    static boolean isOptional(Schema.Field field) {
        return Boolean.TRUE.equals(field.getObjectProp(OPTIONAL));
    }

    private static Schema load() {
        Schema.Parser parser = new Schema.Parser();
        Schema last = null;
        for (String file : FILES) {
            try (InputStream in = EventSchemas.class.getClassLoader().getResourceAsStream(DIRECTORY + file)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + DIRECTORY + file);
                }
                last = parser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(DIRECTORY + file, e);
            }
        }
        return last;
    }
}
