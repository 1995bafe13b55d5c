package io.prefectlifecycle.app;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The meters of one {@code run}: JVM and process metrics, Kafka Streams' own metrics (micrometer's
 * {@link KafkaStreamsMetrics}: {@code kafka_stream_*}, {@code kafka_consumer_*}, {@code kafka_producer_*}, …) and
 * the pipeline's ({@link MicrometerPipelineMetrics}), scraped in Prometheus' text format.
 */
final class Telemetry implements AutoCloseable {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /** How often new Kafka metrics (threads, tasks, clients appearing after a rebalance) are bound. */
    private static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final MicrometerPipelineMetrics pipeline;
    private ScheduledExecutorService kafkaRefresh;
    private KafkaStreamsMetrics kafka;

    Telemetry() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        pipeline = new MicrometerPipelineMetrics(registry, Clock.systemUTC());
    }

    MicrometerPipelineMetrics pipeline() {
        return pipeline;
    }

    /** Binds Kafka Streams' metrics; call before {@code start()} so that none is missed. */
    synchronized void bind(KafkaStreams streams) {
        kafkaRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "kafka-metrics-refresh");
            thread.setDaemon(true);
            return thread;
        });
        kafka = new KafkaStreamsMetrics(streams, Tags.empty(), kafkaRefresh, KAFKA_METRICS_REFRESH);
        kafka.bindTo(registry);
    }

    /** The meters in the format the scraper asks for: OpenMetrics when it accepts it, else Prometheus text 0.0.4. */
    Scrape scrape(String accept) {
        String contentType = accept != null && accept.contains("application/openmetrics-text") ? OPEN_METRICS
                : PROMETHEUS_TEXT;
        return new Scrape(contentType, registry.scrape(contentType));
    }

    record Scrape(String contentType, String body) {
    }

    @Override
    public synchronized void close() {
        if (kafka != null) {
            kafka.close();
            kafkaRefresh.shutdownNow();
        }
        gc.close();
        registry.close();
    }
}
