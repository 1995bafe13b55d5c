package io.prefectlifecycle.replay;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Merges the CDC partitions into the one sequence the live application's single task processes: each partition in
 * offset order, across partitions the head with the lowest record timestamp first (Kafka Streams picks the partition
 * whose head record has the lowest timestamp). Kafka Streams breaks ties arbitrarily; here they go to Debezium's
 * transaction topic first (a BEGIN then precedes its changes, so transactions are buffered in commit order), then
 * by topic, partition and offset, so that a replay is deterministic.
 * <p>
 * A record is only handed out once every partition that is not exhausted has a record buffered: otherwise a
 * partition not yet fetched could hold an earlier one.
 */
public final class TimestampMerge {

    private final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> queues = new LinkedHashMap<>();
    private final Set<TopicPartition> open = new HashSet<>();
    private final PriorityQueue<TopicPartition> heads;

    public TimestampMerge(Collection<TopicPartition> partitions, String transactionTopic) {
        Comparator<ConsumerRecord<byte[], byte[]>> order = order(transactionTopic);
        this.heads = new PriorityQueue<>((a, b) -> order.compare(queues.get(a).peekFirst(), queues.get(b).peekFirst()));
        for (TopicPartition partition : partitions) {
            queues.put(partition, new ArrayDeque<>());
            open.add(partition);
        }
    }

    /** Timestamp, then the transaction topic first, then topic, partition, offset. */
    public static Comparator<ConsumerRecord<byte[], byte[]>> order(String transactionTopic) {
        Comparator<ConsumerRecord<byte[], byte[]>> byTimestamp = Comparator.comparingLong(ConsumerRecord::timestamp);
        return byTimestamp
                .thenComparing(r -> !r.topic().equals(transactionTopic))
                .thenComparing(ConsumerRecord::topic)
                .thenComparingInt(ConsumerRecord::partition)
                .thenComparingLong(ConsumerRecord::offset);
    }

    /** Appends a record fetched from its partition (records of one partition arrive in offset order). */
    public void add(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = queues.get(partition);
        if (queue == null) {
            throw new IllegalArgumentException("not a merged partition: " + partition);
        }
        if (!open.contains(partition)) {
            throw new IllegalStateException("partition already exhausted: " + partition);
        }
        queue.addLast(record);
        if (queue.size() == 1) {
            heads.add(partition);
        }
    }

    /** No more records will be added for this partition. */
    public void exhausted(TopicPartition partition) {
        open.remove(partition);
    }

    public boolean isOpen(TopicPartition partition) {
        return open.contains(partition);
    }

    /** Partitions that are not exhausted and have nothing buffered: the merge waits for them. */
    public List<TopicPartition> starving() {
        return open.stream().filter(p -> queues.get(p).isEmpty()).toList();
    }

    public int buffered(TopicPartition partition) {
        return queues.get(partition).size();
    }

    /** Whether {@link #next()} can hand out a record now. */
    public boolean ready() {
        if (heads.isEmpty()) {
            return false;
        }
        for (TopicPartition partition : open) {
            if (queues.get(partition).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Every partition exhausted and drained. */
    public boolean finished() {
        return open.isEmpty() && heads.isEmpty();
    }

    public ConsumerRecord<byte[], byte[]> next() {
        if (!ready()) {
            throw new NoSuchElementException("a partition that is not exhausted has nothing buffered");
        }
        TopicPartition partition = heads.poll();
        ArrayDeque<ConsumerRecord<byte[], byte[]>> queue = queues.get(partition);
        ConsumerRecord<byte[], byte[]> record = queue.pollFirst();
        if (!queue.isEmpty()) {
            heads.add(partition);
        }
        return record;
    }
}
