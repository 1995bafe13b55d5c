package io.prefectlifecycle.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefectlifecycle.golden.ProjectPaths;
import io.prefectlifecycle.pipeline.FixtureRecord;
import io.prefectlifecycle.topology.LifecycleTopology;
import io.prefectlifecycle.topology.PipelineMetrics;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec's worked examples through the topology, scraped as Prometheus would. */
class MicrometerPipelineMetricsTest {

    /** The spec examples commit at 2026-06-05T13:01:55Z to 13:02:11Z; "now" is one minute after the first. */
    private static final Instant NOW = Instant.parse("2026-06-05T13:02:55Z");

    @TempDir
    Path stateDir;

    @Test
    void countsEventsByKindAndActionIgnoredRecordsByReasonAndTheLag() throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerPipelineMetrics metrics = new MicrometerPipelineMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        TopologySettings settings = TopologySettings.defaults();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(PipelineMetrics.CONFIG, metrics);
        try (TopologyTestDriver driver = new TopologyTestDriver(LifecycleTopology.build(settings), props)) {
            for (String line : Files.readAllLines(ProjectPaths.shared().resolve("fixtures/spec-examples/input.jsonl"),
                    StandardCharsets.UTF_8)) {
                FixtureRecord record = FixtureRecord.parse(line);
                driver.createInputTopic(record.topic(), new ByteArraySerializer(), new ByteArraySerializer())
                        .pipeInput(record.key(), record.value());
            }
            driver.advanceWallClockTime(settings.transactionTimeout()
                .plus(TopologySettings.TRANSACTION_TIMEOUT_IDLE_FALLBACK).plusSeconds(1));
        }
        Map<String, Double> samples = samples(registry.scrape());

        assertEquals(new TreeMap<>(Map.ofEntries(
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"variable\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"updated\",kind=\"variable\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"flow\"}", 2.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"block-type\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"block-document\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"deleted\",kind=\"block-document\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"concurrency-limit\"}", 3.0),
                Map.entry("prefect_cdc_events_total{action=\"updated\",kind=\"concurrency-limit\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"deleted\",kind=\"concurrency-limit\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"artifact-collection\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"updated\",kind=\"artifact-collection\"}", 1.0),
                Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"automation\"}", 1.0))),
                filter(samples, "prefect_cdc_events_total{"));
        assertEquals(2.0, samples.get("prefect_cdc_ignored_records_total{reason=\"tombstone\"}"));
        assertEquals(2.0, samples.get("prefect_cdc_ignored_records_total{reason=\"silent\"}"));
        assertEquals(0.0, samples.get("prefect_cdc_ignored_records_total{reason=\"heartbeat\"}"));
        assertEquals(OutcomeReasons.Ignored.values().length, filter(samples, "prefect_cdc_ignored_records_total{").size());
        assertEquals(OutcomeReasons.DeadLetter.values().length, filter(samples, "prefect_cdc_dead_letters_total{").size());
        assertEquals(0.0, filter(samples, "prefect_cdc_dead_letters_total{").values().stream().mapToDouble(d -> d).sum());
        assertEquals(0.0, samples.get("prefect_cdc_incomplete_transactions_total"));

        assertEquals(15.0, samples.get("prefect_cdc_event_lag_seconds_count"));
        assertEquals(60.0, samples.get("prefect_cdc_event_lag_seconds_max"), 1.0);
        assertTrue(samples.get("prefect_cdc_event_lag_seconds_max") <= 60.0);
        assertEquals(0.0, samples.get("prefect_cdc_event_lag_seconds_bucket{le=\"30.0\"}"));
        assertEquals(15.0, samples.get("prefect_cdc_event_lag_seconds_bucket{le=\"60.0\"}"));
    }

    @Test
    void incompleteTransactionsAreCounted() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerPipelineMetrics metrics = new MicrometerPipelineMetrics(registry, Clock.systemUTC());
        metrics.incompleteTransactions(2);
        metrics.incompleteTransactions(1);
        assertEquals(3.0, samples(registry.scrape()).get("prefect_cdc_incomplete_transactions_total"));
    }

    /** {@code name{labels} value} lines of the text format. */
    static Map<String, Double> samples(String scrape) {
        Map<String, Double> samples = new TreeMap<>();
        for (String line : (Iterable<String>) scrape.lines()::iterator) {
            if (!line.startsWith("#") && !line.isBlank()) {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            }
        }
        return samples;
    }

    private static Map<String, Double> filter(Map<String, Double> samples, String prefix) {
        Map<String, Double> out = new TreeMap<>();
        samples.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
