package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * {@link CommittedRecords} of one topic polled on a background thread: what a downstream consumer sees, in the order
 * it sees it, each record with the {@link System#nanoTime()} it was received at (for latency measurements), readable
 * from the test's thread while it arrives.
 */
public final class TopicTail implements AutoCloseable {
    private final CommittedRecords reader;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closing;
    private volatile RuntimeException failure;

    public TopicTail(String bootstrapServers, String topic) {
        reader = new CommittedRecords(bootstrapServers, topic, Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10"));
        thread = new Thread(this::run, "topic-tail-" + topic);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!closing) {
                received.addAll(reader.poll(Duration.ofMillis(100)));
            }
        } catch (WakeupException closed) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            reader.close();
        }
    }

    /** Everything received so far, in order. */
    public List<Received> all() {
        throwIfFailed();
        return List.copyOf(received);
    }

    public int size() {
        throwIfFailed();
        return received.size();
    }

    /** The index of the first record from {@code from} on that matches, or -1. */
    public int indexOf(int from, Predicate<Received> match) {
        List<Received> now = all();
        for (int i = from; i < now.size(); i++) {
            if (match.test(now.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private void throwIfFailed() {
        if (failure != null) {
            throw new IllegalStateException("tail consumer failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closing = true;
        reader.wakeup();
        thread.join(10_000);
    }
}
