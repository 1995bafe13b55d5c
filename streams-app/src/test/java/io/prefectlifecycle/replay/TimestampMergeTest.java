package io.prefectlifecycle.replay;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimestampMergeTest {

    private static final String TX = "prefect.transaction";
    private static final TopicPartition VARIABLE = new TopicPartition("prefect.public.variable", 0);
    private static final TopicPartition FLOW = new TopicPartition("prefect.public.flow", 0);
    private static final TopicPartition TRANSACTIONS = new TopicPartition(TX, 0);

    @Test
    void interleavesPartitionsByTimestamp() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE, FLOW), TX);
        merge.add(record(VARIABLE, 0, 10));
        merge.add(record(VARIABLE, 1, 30));
        merge.add(record(FLOW, 0, 20));
        merge.add(record(FLOW, 1, 40));
        merge.exhausted(VARIABLE);
        merge.exhausted(FLOW);
        assertEquals(List.of("variable@0", "flow@0", "variable@1", "flow@1"), drain(merge));
        assertTrue(merge.finished());
    }

    @Test
    void keepsOffsetOrderWithinAPartitionEvenWhenTimestampsGoBackwards() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE, FLOW), TX);
        merge.add(record(VARIABLE, 0, 50));
        merge.add(record(VARIABLE, 1, 10));
        merge.add(record(FLOW, 0, 20));
        merge.exhausted(VARIABLE);
        merge.exhausted(FLOW);
        // the head of variable (50) is later than flow's (20); variable@1 cannot overtake variable@0
        assertEquals(List.of("flow@0", "variable@0", "variable@1"), drain(merge));
    }

    @Test
    void tiesGoToTheTransactionTopicThenTopicPartitionOffset() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE, FLOW, TRANSACTIONS), TX);
        merge.add(record(VARIABLE, 0, 10));
        merge.add(record(FLOW, 0, 10));
        merge.add(record(TRANSACTIONS, 0, 10));
        merge.add(record(TRANSACTIONS, 1, 10));
        List.of(VARIABLE, FLOW, TRANSACTIONS).forEach(merge::exhausted);
        assertEquals(List.of("transaction@0", "transaction@1", "flow@0", "variable@0"), drain(merge));
    }

    @Test
    void waitsForEveryOpenPartitionBeforeHandingOutARecord() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE, FLOW), TX);
        merge.add(record(VARIABLE, 0, 10));
        assertFalse(merge.ready(), "flow is not fetched yet: it could hold an earlier record");
        assertEquals(List.of(FLOW), merge.starving());
        assertThrows(NoSuchElementException.class, merge::next);
        merge.exhausted(FLOW);
        assertTrue(merge.ready());
        assertEquals("variable@0", name(merge.next()));
        assertFalse(merge.ready());
        assertFalse(merge.finished(), "variable is still open");
        assertEquals(List.of(VARIABLE), merge.starving());
        merge.exhausted(VARIABLE);
        assertTrue(merge.finished());
    }

    @Test
    void aPartitionEmptyFromTheStartIsFinishedOnceExhausted() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE), TX);
        assertFalse(merge.finished());
        merge.exhausted(VARIABLE);
        assertTrue(merge.finished());
        assertFalse(merge.ready());
    }

    @Test
    void refusesRecordsOfUnknownOrExhaustedPartitions() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE), TX);
        assertThrows(IllegalArgumentException.class, () -> merge.add(record(FLOW, 0, 1)));
        merge.exhausted(VARIABLE);
        assertThrows(IllegalStateException.class, () -> merge.add(record(VARIABLE, 0, 1)));
    }

    @Test
    void countsWhatIsBuffered() {
        TimestampMerge merge = new TimestampMerge(List.of(VARIABLE, FLOW), TX);
        merge.add(record(VARIABLE, 0, 1));
        merge.add(record(VARIABLE, 1, 2));
        assertEquals(2, merge.buffered(VARIABLE));
        assertEquals(0, merge.buffered(FLOW));
    }

    private static List<String> drain(TimestampMerge merge) {
        List<String> out = new ArrayList<>();
        while (merge.ready()) {
            out.add(name(merge.next()));
        }
        return out;
    }

    private static String name(ConsumerRecord<byte[], byte[]> record) {
        String topic = record.topic();
        return topic.substring(topic.lastIndexOf('.') + 1) + "@" + record.offset();
    }

    static ConsumerRecord<byte[], byte[]> record(TopicPartition partition, long offset, long timestamp) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, timestamp,
                TimestampType.CREATE_TIME, 0, 0, null, new byte[0], new RecordHeaders(), Optional.empty());
    }
}
