package io.prefectlifecycle.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec's worked examples through the topology, scraped as Prometheus would. */
class MicrometerPipelineMetricsTest {

    /** The spec examples commit at 2026-06-05T13:01:55Z to 13:02:11Z; "now" is one minute after the first. */
    private static final Instant NOW = Instant.parse("2026-06-05T13:02:55Z");

    @Test
    void countsEventsByKindAndActionIgnoredRecordsByReasonAndTheLag() throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerPipelineMetrics metrics = new MicrometerPipelineMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults(), metrics)) {
            harness.pipeFile(ProjectPaths.fixture("spec-examples").resolve("input.jsonl"));
            harness.endInput();
        }
        Map<String, Double> samples = samples(registry.scrape());

        assertEquals(
                new TreeMap<>(Map.ofEntries(
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"variable\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"updated\",kind=\"variable\",source=\"prefect\"}",
                                1.0),
                        Map.entry("prefect_cdc_events_total{action=\"created\",kind=\"flow\",source=\"prefect\"}", 2.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"block-type\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"block-document\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"deleted\",kind=\"block-document\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"concurrency-limit\",source=\"prefect\"}",
                                3.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"updated\",kind=\"concurrency-limit\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"deleted\",kind=\"concurrency-limit\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"artifact-collection\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"updated\",kind=\"artifact-collection\",source=\"prefect\"}",
                                1.0),
                        Map.entry(
                                "prefect_cdc_events_total{action=\"created\",kind=\"automation\",source=\"prefect\"}",
                                1.0))),
                filter(samples, "prefect_cdc_events_total{"));
        assertEquals(2.0, samples.get("prefect_cdc_ignored_records_total{reason=\"tombstone\",source=\"prefect\"}"));
        assertEquals(2.0, samples.get("prefect_cdc_ignored_records_total{reason=\"silent\",source=\"prefect\"}"));
        // the heartbeat transaction the harness ends the input with (the fixture has no transaction metadata)
        assertEquals(1.0, samples.get("prefect_cdc_ignored_records_total{reason=\"heartbeat\",source=\"prefect\"}"));
        // every reason from zero, with the labels docs/operations.md lists
        assertEquals(
                List.of(
                        "coalesced",
                        "heartbeat",
                        "logical_message",
                        "redelivered",
                        "silent",
                        "snapshot_read",
                        "tombstone",
                        "transaction_marker",
                        "truncate",
                        "unmapped_table",
                        "upgrade"),
                reasons(filter(samples, "prefect_cdc_ignored_records_total{")));
        assertEquals(
                List.of(
                        "column_format",
                        "encryption",
                        "event_encoding",
                        "malformed_record",
                        "missing_state",
                        "record_too_large",
                        "unsupported_model"),
                reasons(filter(samples, "prefect_cdc_dead_letters_total{")));
        assertEquals(
                0.0,
                filter(samples, "prefect_cdc_dead_letters_total{").values().stream()
                        .mapToDouble(d -> d)
                        .sum());
        assertEquals(0.0, samples.get("prefect_cdc_open_transaction_rows{source=\"prefect\"}"));
        assertEquals(0.0, samples.get("prefect_cdc_open_transaction_age_seconds{source=\"prefect\"}"));

        assertEquals(15.0, samples.get("prefect_cdc_event_lag_seconds_count{source=\"prefect\"}"));
        assertEquals(60.0, samples.get("prefect_cdc_event_lag_seconds_max{source=\"prefect\"}"), 1.0);
        assertTrue(samples.get("prefect_cdc_event_lag_seconds_max{source=\"prefect\"}") <= 60.0);
        assertEquals(0.0, samples.get("prefect_cdc_event_lag_seconds_bucket{source=\"prefect\",le=\"30.0\"}"));
        assertEquals(15.0, samples.get("prefect_cdc_event_lag_seconds_bucket{source=\"prefect\",le=\"60.0\"}"));
    }

    @Test
    void theOpenTransactionIsAGaugeOfRowsAndAge() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerPipelineMetrics metrics = new MicrometerPipelineMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));
        var prod = metrics.forSource("prod");
        prod.openTransaction(1_200, NOW.minusSeconds(90).toEpochMilli());
        Map<String, Double> open = samples(registry.scrape());
        assertEquals(1_200.0, open.get("prefect_cdc_open_transaction_rows{source=\"prod\"}"));
        assertEquals(90.0, open.get("prefect_cdc_open_transaction_age_seconds{source=\"prod\"}"));
        prod.openTransaction(0, 0);
        Map<String, Double> none = samples(registry.scrape());
        assertEquals(0.0, none.get("prefect_cdc_open_transaction_rows{source=\"prod\"}"));
        assertEquals(0.0, none.get("prefect_cdc_open_transaction_age_seconds{source=\"prod\"}"));
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

    /** The {@code reason} labels of the samples, sorted. */
    private static List<String> reasons(Map<String, Double> samples) {
        Pattern reason = Pattern.compile("reason=\"([a-z_]+)\"");
        return samples.keySet().stream()
                .map(reason::matcher)
                .filter(Matcher::find)
                .map(m -> m.group(1))
                .sorted()
                .toList();
    }
}
