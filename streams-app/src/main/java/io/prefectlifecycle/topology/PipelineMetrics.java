package io.prefectlifecycle.topology;

import io.prefectlifecycle.stream.Emission;

import java.util.Map;

/**
 * What {@link LifecycleProcessor} reports as it goes, for metrics. The processor finds the listener in the Kafka
 * Streams configuration under {@link #CONFIG} (an object value, as Kafka passes configured instances to plugins), so
 * the topology's shape and {@link LifecycleTopology#build} stay as they are; without one it reports to {@link #NONE}.
 * Called on stream threads: implementations must be thread-safe and cheap.
 */
public interface PipelineMetrics {

    /** The Streams configuration key holding the listener instance. */
    String CONFIG = "prefect.cdc.pipeline.metrics";

    PipelineMetrics NONE = new PipelineMetrics() {};

    /** The listener for one source's task: its meters carry the source's name. */
    default PipelineMetrics forSource(String source) {
        return this;
    }

    /** One input record's outcome: events, skipped with a reason, or dead-lettered. Called once per input record. */
    default void outcome(Emission emission) {}

    /**
     * The transaction being read changed: how many rows it has changed so far, and since when (epoch milliseconds,
     * wall clock) this task has seen it open; both 0 when none is open. Called when either changes.
     */
    default void openTransaction(long rows, long openSinceMillis) {}

    /** The listener in a Streams configuration ({@code ProcessorContext.appConfigs()}), else {@link #NONE}. */
    static PipelineMetrics from(Map<String, Object> appConfigs) {
        return appConfigs.get(CONFIG) instanceof PipelineMetrics metrics ? metrics : NONE;
    }
}
