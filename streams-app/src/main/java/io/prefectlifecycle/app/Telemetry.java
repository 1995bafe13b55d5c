package io.prefectlifecycle.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.streams.KafkaStreams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The meters of one service ({@code run}, {@code forward}): JVM and process metrics, the Kafka clients' own metrics
 * (micrometer's {@link KafkaStreamsMetrics} and {@link KafkaClientMetrics}: {@code kafka_stream_*},
 * {@code kafka_consumer_*}, {@code kafka_producer_*}, …) and the service's own meters on {@link #registry()}
 * ({@link MicrometerPipelineMetrics} for {@code run}), scraped in Prometheus' text format.
 */
public final class Telemetry implements AutoCloseable {

    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    public static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /** How often new Kafka metrics (threads, tasks, clients appearing after a rebalance) are bound. */
    private static final Duration KAFKA_METRICS_REFRESH = Duration.ofSeconds(10);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final List<AutoCloseable> kafka = new ArrayList<>();
    private ScheduledExecutorService kafkaRefresh;

    public Telemetry() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    /** Where the service registers its own meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Binds Kafka Streams' metrics; call before {@code start()} so that none is missed. */
    synchronized void bind(KafkaStreams streams) {
        bindKafka(new KafkaStreamsMetrics(streams, Tags.empty(), refresh(), KAFKA_METRICS_REFRESH));
    }

    /** Binds a Kafka consumer's metrics ({@code kafka_consumer_*}, among them the lag of each partition). */
    public synchronized void bind(Consumer<?, ?> consumer) {
        bindKafka(new KafkaClientMetrics(consumer, Tags.empty(), refresh(), KAFKA_METRICS_REFRESH));
    }

    private <T extends MeterBinder & AutoCloseable> void bindKafka(T metrics) {
        metrics.bindTo(registry);
        kafka.add(metrics);
    }

    private ScheduledExecutorService refresh() {
        if (kafkaRefresh == null) {
            kafkaRefresh = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "kafka-metrics-refresh");
                thread.setDaemon(true);
                return thread;
            });
        }
        return kafkaRefresh;
    }

    /** The meters in the format the scraper asks for: OpenMetrics when it accepts it, else Prometheus text 0.0.4. */
    public Scrape scrape(String accept) {
        String contentType =
                accept != null && accept.contains("application/openmetrics-text") ? OPEN_METRICS : PROMETHEUS_TEXT;
        return new Scrape(contentType, registry.scrape(contentType));
    }

    public record Scrape(String contentType, String body) {}

    @Override
    public synchronized void close() {
        for (AutoCloseable metrics : kafka) {
            try {
                metrics.close();
            } catch (Exception e) {
                // the client is gone with its metrics: nothing left to release
            }
        }
        if (kafkaRefresh != null) {
            kafkaRefresh.shutdownNow();
        }
        gc.close();
        registry.close();
    }
}
