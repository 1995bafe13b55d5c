package io.prefectlifecycle.topology;

import io.prefectlifecycle.cdc.DeadLetterCategory;
import io.prefectlifecycle.event.EventEncoder;
import io.prefectlifecycle.event.EventEncodingException;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.Outcome;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place that says what an event and a dead letter look like as Kafka records (docs/contract.md): the live
 * topology and {@code replay} write exactly these, so a replay is byte for byte the live run.
 */
public final class OutputRecords {

    private OutputRecords() {}

    /** An event's key: its resource id, UTF-8 (per-object ordering). */
    public static byte[] eventKey(LifecycleEvent event) {
        return utf8(event.resource().id());
    }

    /** {@code prefect.event}, {@code prefect.resource.id} and {@code prefect.cdc.source} (the source's name). */
    public static Headers eventHeaders(LifecycleEvent event, String source) {
        return new RecordHeaders()
                .add("prefect.event", utf8(event.event()))
                .add("prefect.resource.id", utf8(event.resource().id()))
                .add(TopologySettings.SOURCE_HEADER, utf8(source));
    }

    /**
     * Adds the record values of the emission's events to {@code values}, in order, and returns the emission with the
     * events as written: with the source's resource label when {@link TopologySettings#sourceLabel()}. An event that
     * the format cannot represent turns the whole emission into a dead letter of its source record (and leaves
     * {@code values} empty).
     */
    public static Emission encode(
            Emission emission, EventEncoder encoder, TopologySettings settings, List<byte[]> values) {
        if (settings.sourceLabel() && emission.outcome() instanceof Outcome.Events unlabelled) {
            emission = new Emission(
                    emission.source(),
                    new Outcome.Events(unlabelled.events().stream()
                            .map(e -> e.withResourceLabel(TopologySettings.SOURCE_LABEL, settings.source()))
                            .toList()));
        }
        EventFormat format = settings.eventFormat();
        if (emission.outcome() instanceof Outcome.Events events) {
            for (LifecycleEvent event : events.events()) {
                try {
                    values.add(encoder.encode(event));
                } catch (EventEncodingException e) {
                    values.clear();
                    return new Emission(
                            emission.source(),
                            new Outcome.DeadLetter(
                                    DeadLetterCategory.EVENT_ENCODING,
                                    "the event cannot be written as " + format.value() + ": " + e.getMessage()));
                }
            }
        }
        return emission;
    }

    /**
     * A dead letter keeps the original key and value; these headers say where it came from and why ({@code dlq.*}, the
     * category in {@code dlq.category}), and from which source ({@code prefect.cdc.source}).
     */
    public static Headers deadLetterHeaders(InputRecord source, Outcome.DeadLetter dead, String sourceName) {
        return deadLetterHeaders(source, dead.reason(), dead.exceptionClass())
                .add("dlq.category", utf8(dead.category().label()))
                .add(TopologySettings.SOURCE_HEADER, utf8(sourceName));
    }

    /** The headers of a dead letter that is no source's (an event {@code forward} could not deliver). */
    public static Headers deadLetterHeaders(InputRecord source, String reason, String exceptionClass) {
        return new RecordHeaders()
                .add("dlq.source.topic", utf8(source.topic()))
                .add("dlq.source.partition", utf8(Integer.toString(source.partition())))
                .add("dlq.source.offset", utf8(Long.toString(source.offset())))
                .add("dlq.reason", utf8(reason))
                .add("dlq.exception.class", utf8(exceptionClass));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
