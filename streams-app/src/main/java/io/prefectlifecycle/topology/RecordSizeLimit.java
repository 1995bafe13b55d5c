package io.prefectlifecycle.topology;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

import java.util.Map;

/**
 * The largest record the app can write: its producer's {@code max.request.size} (Kafka's default 1 MiB unless
 * {@code KAFKA_MAX_REQUEST_SIZE} raises it), less room for the framing of the state changelog records that carry a CDC
 * record. A CDC record larger than that can be neither buffered (the transaction changelog), remembered (the row
 * changelog), copied to the dead letters nor turned into an event: written anyway, the producer fails the task and the
 * app stops, then stops again on the same record after every restart.
 */
final class RecordSizeLimit {

    /** Room for the changelog key, the buffered record's topic and coordinates, and the record batch framing. */
    static final int HEADROOM = 64 * 1024;

    private static final int KAFKA_DEFAULT = 1024 * 1024;

    private final int maxRequestSize;

    RecordSizeLimit(int maxRequestSize) {
        this.maxRequestSize = maxRequestSize;
    }

    /** From Kafka Streams' configuration: {@code producer.max.request.size}, else {@code max.request.size}. */
    static RecordSizeLimit from(Map<String, Object> appConfigs) {
        Object value = appConfigs.get(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG));
        if (value == null) {
            value = appConfigs.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        return new RecordSizeLimit(
                value == null
                        ? KAFKA_DEFAULT
                        : Integer.parseInt(String.valueOf(value).strip()));
    }

    int maxRequestSize() {
        return maxRequestSize;
    }

    /** Whether a record of these key and value bytes can be written, with the headroom. */
    boolean fits(byte[] key, byte[] value) {
        return size(key, value) <= maxRequestSize - HEADROOM;
    }

    static long size(byte[] key, byte[] value) {
        return (long) (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
    }
}
