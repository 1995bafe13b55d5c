package io.prefectlifecycle.app;

import io.prefectlifecycle.topology.LifecycleTopology;
import io.prefectlifecycle.topology.PipelineMetrics;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A running instance of the topology: state transitions logged, a stream thread that dies of a transient error
 * replaced ({@link ThreadFailurePolicy}), and a bounded close.
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsApp.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaStreams streams;
    /** Each source's change stream, and the source's name. */
    private final Map<String, String> sourceOfTopic;

    private final CompletableFuture<KafkaStreams.State> terminated = new CompletableFuture<>();

    private StreamsApp(KafkaStreams streams, Map<String, String> sourceOfTopic) {
        this.streams = streams;
        this.sourceOfTopic = sourceOfTopic;
    }

    /**
     * A task this instance runs: its id ({@code <sub-topology>_<partition>}: the source's place in the list, then 0),
     * its source, and whether it is {@code active} or a {@code standby} copy of the state.
     */
    public record LocalTask(String id, String source, String topic, String role) {}

    /** The producer's transaction timeout (see {@link #properties(String, String, Path)}). */
    public static final int TRANSACTION_TIMEOUT_MS = 300_000;

    /** Exactly-once v2 by default; the rest tuned for latency on a quiet, low-volume stream. */
    @SuppressWarnings(
            "deprecation") // PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG: gone in Kafka 5, its default then
    public static Properties properties(String bootstrapServers, String applicationId, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Events become visible to read_committed consumers when the exactly-once transaction commits: every 20 ms
        // instead of exactly-once's 100 ms. LatencyIT, commit -> event at 100 changes/s: p50 ~195 -> ~110 ms alone,
        // ~40 ms with connect-config's poll.interval.ms 10. While changes flow that is up to 50 Kafka transactions a
        // second. linger.ms stays at Streams' 100: every commit flushes the producer anyway.
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 20);
        // After a crash the restarted instance gets the task only once the group gives up on the dead member, after
        // session.timeout.ms: no events meanwhile. Kafka's 45 s made every restart after a SIGKILL take ~40 s
        // (AppKillIT); 10 s, Kafka's default before 3.0, is ample for heartbeats sent from their own thread.
        // KAFKA_SESSION_TIMEOUT_MS overrides it.
        props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // A Prefect transaction's events are written in the Kafka transaction of the record that ends it, however many
        // there are: at Streams' 10 s (and at 60 s) a transaction of 1M changes timed out, was aborted and read again,
        // again and again (bench large=1000000 on a loaded 2-core machine). The cost of a longer timeout: after a crash
        // that loses the state dir (and with it the transactional id), read_committed consumers wait up to this long
        // for the dead instance's open transaction to be aborted; a restart on the same state dir aborts it at once.
        // KAFKA_PRODUCER_TRANSACTION_TIMEOUT_MS overrides it (docs/operations.md, Large transactions).
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), TRANSACTION_TIMEOUT_MS);
        // no global stores: opting in to Kafka 5's default only silences a start-up warning
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        return props;
    }

    /**
     * The configuration of {@code run}: the tuning above, the Kafka client settings passed through (which may change
     * it), the app's own settings, and the metrics listener the processor reports to.
     */
    public static Properties properties(AppConfig config, PipelineMetrics metrics) {
        Properties props = properties(config.bootstrapServers(), config.applicationId(), config.stateDir());
        Map<String, String> kafka = config.kafka().values();
        if (kafka.containsKey(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)) {
            props.remove(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG));
        }
        props.putAll(kafka);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        props.put(
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
                config.processingGuarantee().streamsValue());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        props.put(PipelineMetrics.CONFIG, metrics);
        return props;
    }

    /** Creates and starts the app. */
    public static StreamsApp start(TopologySettings settings, Properties props) {
        StreamsApp app = create(settings, props);
        app.start();
        return app;
    }

    /** Creates the app of one source without starting it. */
    public static StreamsApp create(TopologySettings settings, Properties props) {
        return create(List.of(settings), props);
    }

    /** Creates the app without starting it, so that metrics can be bound first: one task per source. */
    public static StreamsApp create(List<TopologySettings> sources, Properties props) {
        KafkaStreams streams = new KafkaStreams(LifecycleTopology.build(sources), props);
        Map<String, String> sourceOfTopic = new LinkedHashMap<>();
        sources.forEach(source -> sourceOfTopic.put(source.cdcTopic(), source.source()));
        StreamsApp app = new StreamsApp(streams, sourceOfTopic);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.ERROR) {
                LOG.error("Kafka Streams {} -> {}", before, now);
            } else {
                LOG.info("Kafka Streams {} -> {}", before, now);
            }
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                app.terminated.complete(now);
            }
        });
        streams.setUncaughtExceptionHandler(new ThreadFailurePolicy(Clock.systemUTC()));
        streams.setGlobalStateRestoreListener(new RestoreLog());
        return app;
    }

    /**
     * The tasks this instance runs now, active first, in task id order; none while Kafka Streams is not running or
     * rebalancing.
     */
    public List<LocalTask> tasks() {
        Collection<ThreadMetadata> threads;
        try {
            threads = streams.metadataForLocalThreads();
        } catch (RuntimeException notRunning) {
            return List.of();
        }
        List<LocalTask> active = new ArrayList<>();
        List<LocalTask> standby = new ArrayList<>();
        for (ThreadMetadata thread : threads) {
            thread.activeTasks().forEach(task -> active.add(task(task, "active")));
            thread.standbyTasks().forEach(task -> standby.add(task(task, "standby")));
        }
        Comparator<LocalTask> byId = Comparator.comparing(LocalTask::id);
        active.sort(byId);
        standby.sort(byId);
        active.addAll(standby);
        return active;
    }

    private LocalTask task(TaskMetadata task, String role) {
        String topic = task.topicPartitions().stream()
                .map(TopicPartition::topic)
                .findFirst()
                .orElse("");
        return new LocalTask(task.taskId().toString(), sourceOfTopic.getOrDefault(topic, ""), topic, role);
    }

    /**
     * Logs each restore of a state store from its changelog, with how many records it read: none at all when the
     * task's state directory was up to date (a restart on the same volume), all of it on an empty one.
     */
    private static final class RestoreLog implements StateRestoreListener {
        @Override
        public void onRestoreStart(TopicPartition changelog, String store, long startingOffset, long endingOffset) {
            LOG.info(
                    "restoring state store {} from {}: offsets {} to {}",
                    store,
                    changelog,
                    startingOffset,
                    endingOffset);
        }

        @Override
        public void onBatchRestored(TopicPartition changelog, String store, long batchEndOffset, long numRestored) {}

        @Override
        public void onRestoreEnd(TopicPartition changelog, String store, long totalRestored) {
            LOG.info("restored state store {} from {}: {} records", store, changelog, totalRestored);
        }
    }

    public void start() {
        streams.start();
    }

    public KafkaStreams streams() {
        return streams;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** Completes with {@code ERROR} or {@code NOT_RUNNING} when Kafka Streams stops, whatever the reason. */
    public CompletableFuture<KafkaStreams.State> terminated() {
        return terminated;
    }

    public void awaitTermination() throws InterruptedException {
        try {
            terminated.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Commits, closes the tasks and the clients within {@code timeout}.
     *
     * @param leaveGroup leave the consumer group, so that another instance takes over the tasks at once instead of
     *                   after {@code session.timeout.ms}
     * @return whether everything closed within the timeout
     */
    public boolean close(Duration timeout, boolean leaveGroup) {
        boolean closed = streams.close(CloseOptions.timeout(timeout)
                .withGroupMembershipOperation(
                        leaveGroup
                                ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                                : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP));
        terminated.complete(streams.state());
        return closed;
    }

    @Override
    public void close() {
        close(CLOSE_TIMEOUT, false);
    }
}
