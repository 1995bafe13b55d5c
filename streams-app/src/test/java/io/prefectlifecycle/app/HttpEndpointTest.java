package io.prefectlifecycle.app;

import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpEndpointTest {

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void healthFollowsTheStreamsStateAndMetricsAreScraped() throws Exception {
        AtomicReference<String> state = new AtomicReference<>(HttpEndpoint.STARTING);
        List<StreamsApp.LocalTask> tasks = List.of(
                new StreamsApp.LocalTask("0_0", "prod", "prefect-prod.cdc", "active"),
                new StreamsApp.LocalTask("1_0", "staging", "prefect-staging.cdc", "standby"));
        try (Telemetry telemetry = new Telemetry();
                HttpEndpoint http = HttpEndpoint.startWithTasks(
                        0,
                        () -> new HttpEndpoint.Status(state.get(), state.get().equals("RUNNING") ? tasks : List.of()),
                        telemetry)) {
            // micrometer's gauges hold their state weakly: run keeps the pipeline's meters with Kafka Streams
            MicrometerPipelineMetrics pipeline = new MicrometerPipelineMetrics(telemetry.registry(), Clock.systemUTC());
            String base = "http://127.0.0.1:" + http.port();
            assertEquals("200 {\"status\":\"UP\",\"state\":\"STARTING\"}", get(base + "/health/live"));
            assertEquals("503 {\"status\":\"DOWN\",\"state\":\"STARTING\",\"tasks\":[]}", get(base + "/health/ready"));
            for (String s : new String[] {"CREATED", "REBALANCING", "PENDING_SHUTDOWN"}) {
                state.set(s);
                assertEquals("200", get(base + "/health/live").substring(0, 3), s);
                assertEquals("503", get(base + "/health/ready").substring(0, 3), s);
            }
            state.set("RUNNING");
            assertEquals(
                    "200 {\"status\":\"UP\",\"state\":\"RUNNING\",\"tasks\":[{\"task\":\"0_0\",\"source\":\"prod\","
                            + "\"topic\":\"prefect-prod.cdc\",\"role\":\"active\"},{\"task\":\"1_0\",\"source\":\"staging\","
                            + "\"topic\":\"prefect-staging.cdc\",\"role\":\"standby\"}]}",
                    get(base + "/health/ready"));
            assertEquals("200 {\"status\":\"UP\",\"state\":\"RUNNING\"}", get(base + "/health/live"));
            state.set("ERROR");
            assertEquals("503 {\"status\":\"DOWN\",\"state\":\"ERROR\"}", get(base + "/health/live"));
            state.set("NOT_RUNNING");
            assertEquals("503", get(base + "/health/live").substring(0, 3));

            HttpResponse<String> metrics = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertEquals(
                    Telemetry.PROMETHEUS_TEXT,
                    metrics.headers().firstValue("Content-Type").orElseThrow());
            pipeline.forSource("prod");
            metrics = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(
                    metrics.body().contains("\nprefect_cdc_open_transaction_rows{source=\"prod\"} 0.0\n"),
                    metrics.body());
            assertTrue(metrics.body().contains("jvm_memory_used_bytes{"), "JVM metrics");
            assertTrue(metrics.body().contains("process_uptime_seconds"), "process metrics");

            HttpResponse<String> open = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/metrics"))
                            .header("Accept", "application/openmetrics-text; version=1.0.0")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(
                    Telemetry.OPEN_METRICS,
                    open.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(open.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");

            assertEquals("404", get(base + "/nope").substring(0, 3));
            HttpResponse<String> post = client.send(
                    HttpRequest.newBuilder(URI.create(base + "/health/live"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
            Reference.reachabilityFence(pipeline);
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> response =
                client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body().strip();
    }
}
