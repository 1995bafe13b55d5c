package io.prefectlifecycle.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * {@code GET /health/live}, {@code /health/ready} and {@code /metrics} on {@code http.port}, all interfaces, for
 * {@code run} (the state is Kafka Streams') and {@code forward} (its own states, named alike).
 * <ul>
 *   <li>{@code /health/live}: 200 unless the state is {@code ERROR} or {@code NOT_RUNNING} (also while
 *       starting, restoring state and rebalancing: a restart would not help those);</li>
 *   <li>{@code /health/ready}: 200 only while the state is {@code RUNNING}, else 503;</li>
 *   <li>{@code /metrics}: Prometheus text format (OpenMetrics when the scraper asks for it).</li>
 * </ul>
 * The health bodies are {@code {"status":"UP|DOWN","state":"<state>"}}; the state is {@code STARTING}
 * before Kafka Streams (or the forwarder) exists (pre-flight checks). For {@code run}, {@code /health/ready} adds the
 * tasks the instance runs, {@code "tasks":[{"task":"0_0","source":"prod","topic":"prefect-prod.cdc","role":"active"},
 * …]}: active ones first, then standby copies; empty while rebalancing or starting.
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);

    public static final String STARTING = "STARTING";

    /** Kafka Streams' state (or {@link #STARTING}) and the tasks this instance runs. */
    record Status(String state, List<StreamsApp.LocalTask> tasks) {}

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * @param state the Kafka Streams state's name (or the forwarder's), or {@link #STARTING}
     */
    public static HttpEndpoint start(int port, Supplier<String> state, Telemetry telemetry) throws IOException {
        return start(port, state, () -> "", telemetry);
    }

    /** {@code run}'s: {@code /health/ready} also lists the instance's tasks. */
    static HttpEndpoint startWithTasks(int port, Supplier<Status> status, Telemetry telemetry) throws IOException {
        return start(
                port,
                () -> status.get().state(),
                () -> ",\"tasks\":" + tasks(status.get().tasks()),
                telemetry);
    }

    /** @param ready more fields of {@code /health/ready}'s body, each starting with a comma */
    private static HttpEndpoint start(int port, Supplier<String> state, Supplier<String> ready, Telemetry telemetry)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 16);
        server.createContext("/health/live", exchange -> {
            String now = state.get();
            health(exchange, now, isLive(now), "");
        });
        server.createContext("/health/ready", exchange -> {
            String now = state.get();
            health(exchange, now, isReady(now), ready.get());
        });
        server.createContext("/metrics", exchange -> {
            if (allowed(exchange)) {
                Telemetry.Scrape scrape =
                        telemetry.scrape(exchange.getRequestHeaders().getFirst("Accept"));
                respond(exchange, 200, scrape.contentType(), scrape.body());
            }
        });
        server.createContext(
                "/",
                exchange -> respond(
                        exchange,
                        404,
                        "text/plain; charset=utf-8",
                        "not found: /health/live, /health/ready, /metrics\n"));
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread thread = new Thread(r, "http");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.start();
        LOG.info(
                "HTTP endpoint on port {}: /health/live, /health/ready, /metrics",
                server.getAddress().getPort());
        return new HttpEndpoint(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    static boolean isLive(String state) {
        return !state.equals("ERROR") && !state.equals("NOT_RUNNING");
    }

    static boolean isReady(String state) {
        return state.equals("RUNNING");
    }

    private static void health(HttpExchange exchange, String state, boolean up, String more) throws IOException {
        if (allowed(exchange)) {
            respond(
                    exchange,
                    up ? 200 : 503,
                    "application/json",
                    "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"state\":\"" + state + "\"" + more + "}\n");
        }
    }

    /** Source names and topics are checked at start (letters, digits, {@code . _ -}): nothing to escape. */
    static String tasks(List<StreamsApp.LocalTask> tasks) {
        return tasks.stream()
                .map(t -> "{\"task\":\"" + t.id() + "\",\"source\":\"" + t.source() + "\",\"topic\":\"" + t.topic()
                        + "\",\"role\":\"" + t.role() + "\"}")
                .collect(Collectors.joining(",", "[", "]"));
    }

    private static boolean allowed(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        if (method.equals("GET") || method.equals("HEAD")) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return false;
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
