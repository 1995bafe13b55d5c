package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.stream.FixtureRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.List;
import java.util.Map;

/** Golden/fixture JSON lines ({@link FixtureRecord}) into a topic, as Debezium would write them. */
public final class FixtureLines {

    private FixtureLines() {}

    /**
     * The lines' records in file order, one acknowledged send at a time, timestamps from {@code firstTimestamp} 10 ms
     * apart (their own topics are information only).
     *
     * @param clientSettings at least {@code bootstrap.servers}; a secured broker's credentials too
     */
    public static void produce(
            Map<String, Object> clientSettings, String topic, List<String> lines, long firstTimestamp)
            throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(clientSettings, new ByteArraySerializer(), new ByteArraySerializer())) {
            long timestamp = firstTimestamp;
            for (String line : lines) {
                FixtureRecord record = FixtureRecord.parse(line);
                producer.send(new ProducerRecord<>(topic, null, timestamp, record.key(), record.value()))
                        .get();
                timestamp += 10;
            }
        }
    }
}
