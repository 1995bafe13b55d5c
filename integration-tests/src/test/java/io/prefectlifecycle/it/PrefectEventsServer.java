package io.prefectlifecycle.it;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for a Prefect server's events API, where Prefect's server cannot be installed: the contract of Prefect's
 * {@code server/api/events.py}, {@code server/api/server.py} and {@code server/api/admin.py} as far as a client of
 * {@code POST /api/events} meets it.
 * <ul>
 *   <li>{@code GET /api/health} → {@code true}, without credentials; {@code GET /api/version} → {@code "0.8.4"} (the
 *       REST API's version on every release); {@code GET /api/admin/version} → the release, a JSON string.</li>
 *   <li>With an auth string ({@code PREFECT_SERVER_API_AUTH_STRING}): every other call needs
 *       {@code Authorization: Basic base64(auth string)}, else 401 {@code {"exception_message": "Unauthorized"}}.</li>
 *   <li>{@code POST /api/events}: a JSON array of events, each checked as Prefect's {@code Event} model checks it
 *       (required fields and their types, a non-empty {@code prefect.resource.id}, related resources with an id and a
 *       role, at most 500 labels and related resources, UUIDs, ISO-8601 times; unknown fields ignored); any failure
 *       rejects the request with 422 and pydantic's {@code loc}/{@code msg} detail. Otherwise 204, each event stamped
 *       {@code received} and kept once per id, as the persister's {@code INSERT … ON CONFLICT DO NOTHING} does. The
 *       bytes of each event as posted are kept, for Prefect's own model to check them
 *       ({@link io.prefectlifecycle.golden.PrefectOracle}).</li>
 *   <li>{@link #down()} closes the port (connection refused), {@link #failWith(int)} answers every call with that
 *       status, {@link #up()} brings it back on the same port.</li>
 * </ul>
 */
final class PrefectEventsServer implements AutoCloseable {

    /** An event the server kept: its bytes as posted and when it was received. */
    record Received(String id, byte[] bytes, Instant received) {
        String json() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAXIMUM_LABELS = 500;
    private static final int MAXIMUM_RELATED = 500;

    private final String version;
    private final String authString;
    private int port;
    private final Map<String, Received> events = new LinkedHashMap<>();
    private final List<Integer> batchSizes = new ArrayList<>();
    private int duplicates;
    private int rejected;
    private int unauthorized;
    private volatile int failWith;
    private HttpServer server;
    private ExecutorService executor;

    /** @param authString the server's auth string, or null for none */
    private PrefectEventsServer(String version, String authString, int port) {
        this.version = version;
        this.authString = authString;
        this.port = port;
    }

    static PrefectEventsServer start(String version, String authString) throws IOException {
        PrefectEventsServer server = new PrefectEventsServer(version, authString, 0);
        server.listen(0);
        return server;
    }

    /** {@code http://127.0.0.1:<port>/api}: what {@code PREFECT_API_URL} holds. */
    URI apiUrl() {
        return URI.create("http://127.0.0.1:" + port + "/api");
    }

    private synchronized void listen(int onPort) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), onPort), 50);
        server.createContext("/api/", this::handle);
        executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.start();
        port = server.getAddress().getPort();
    }

    /** The server is gone: connections are refused until {@link #up()}. */
    synchronized void down() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Back on the same port, answering normally. */
    synchronized void up() throws IOException {
        failWith = 0;
        if (executor.isShutdown()) {
            listen(port);
        }
    }

    /** Every call answered with this status (a proxy in front of a server that is starting: 502, 503). */
    void failWith(int status) throws IOException {
        synchronized (this) {
            if (executor.isShutdown()) {
                listen(port);
            }
        }
        failWith = status;
    }

    synchronized List<Received> events() {
        return List.copyOf(events.values());
    }

    synchronized List<Integer> batchSizes() {
        return List.copyOf(batchSizes);
    }

    synchronized int duplicates() {
        return duplicates;
    }

    synchronized int rejected() {
        return rejected;
    }

    synchronized int unauthorized() {
        return unauthorized;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (failWith != 0) {
                respond(exchange, failWith, "{\"detail\":\"Service Unavailable\"}");
                return;
            }
            if (path.equals("/api/health") && method.equals("GET")) {
                respond(exchange, 200, "true");
                return;
            }
            if (authString != null && !authorized(exchange.getRequestHeaders().getFirst("Authorization"))) {
                synchronized (this) {
                    unauthorized++;
                }
                respond(exchange, 401, "{\"exception_message\":\"Unauthorized\"}");
                return;
            }
            switch (method + " " + path) {
                case "GET /api/version" -> respond(exchange, 200, "\"0.8.4\"");
                case "GET /api/admin/version" -> respond(exchange, 200, JSON.writeValueAsString(version));
                case "POST /api/events" -> events(exchange);
                default -> respond(exchange, 404, "{\"detail\":\"Not Found\"}");
            }
        }
    }

    /** As Prefect's middleware: {@code Basic <base64>}, decoded, compared in constant time. */
    private boolean authorized(String header) {
        if (header == null) {
            return false;
        }
        String[] parts = header.split(" ");
        if (parts.length != 2 || !parts[0].equals("Basic")) {
            return false;
        }
        try {
            byte[] decoded = Base64.getDecoder().decode(parts[1]);
            return MessageDigest.isEqual(decoded, authString.getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void events(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        List<byte[]> elements;
        try {
            elements = elements(body);
        } catch (IOException | IllegalArgumentException e) {
            unprocessable(exchange, List.of(detail(List.of("body"), "Input should be a valid list")));
            return;
        }
        List<ObjectNode> problems = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < elements.size(); i++) {
            String id = validate(elements.get(i), i, problems);
            ids.add(id);
        }
        if (!problems.isEmpty()) {
            synchronized (this) {
                rejected++;
            }
            unprocessable(exchange, problems);
            return;
        }
        Instant received = Instant.now();
        synchronized (this) {
            batchSizes.add(elements.size());
            for (int i = 0; i < elements.size(); i++) {
                if (events.putIfAbsent(ids.get(i), new Received(ids.get(i), elements.get(i), received)) != null) {
                    duplicates++;
                }
            }
        }
        exchange.sendResponseHeaders(204, -1);
    }

    /** The bytes of each element of the JSON array, as sent. */
    private static List<byte[]> elements(byte[] body) throws IOException {
        List<byte[]> elements = new ArrayList<>();
        try (JsonParser parser = JSON.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("not a list");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                elements.add(Arrays.copyOfRange(body, start, end));
            }
        }
        return elements;
    }

    /** Prefect's {@code Event} model on one element; returns its id (a new one when it has none, as Prefect does). */
    private static String validate(byte[] bytes, int index, List<ObjectNode> problems) {
        JsonNode event;
        try {
            event = JSON.readTree(bytes);
        } catch (IOException e) {
            problems.add(detail(List.of("body", index), "Invalid JSON"));
            return "";
        }
        if (!event.isObject()) {
            problems.add(detail(List.of("body", index), "Input should be a valid dictionary or object"));
            return "";
        }
        if (event.has("occurred") && !isTime(event.get("occurred"))) {
            problems.add(detail(List.of("body", index, "occurred"), "Input should be a valid datetime"));
        }
        if (!event.path("event").isTextual()) {
            problems.add(detail(List.of("body", index, "event"), "Field required or not a string"));
        }
        labels(event.get("resource"), List.of("body", index, "resource"), false, problems);
        JsonNode related = event.get("related");
        if (related != null) {
            if (!related.isArray()) {
                problems.add(detail(List.of("body", index, "related"), "Input should be a valid list"));
            } else {
                if (related.size() > MAXIMUM_RELATED) {
                    problems.add(detail(List.of("body", index, "related"), "Too many related resources"));
                }
                for (int r = 0; r < related.size(); r++) {
                    labels(related.get(r), List.of("body", index, "related", r), true, problems);
                }
            }
        }
        if (event.has("payload") && !event.get("payload").isObject()) {
            problems.add(detail(List.of("body", index, "payload"), "Input should be a valid dictionary"));
        }
        String id =
                event.has("id") ? event.get("id").asText() : UUID.randomUUID().toString();
        if (event.has("id") && !isUuid(event.get("id"))) {
            problems.add(detail(List.of("body", index, "id"), "Input should be a valid UUID"));
        }
        if (event.has("follows") && !event.get("follows").isNull() && !isUuid(event.get("follows"))) {
            problems.add(detail(List.of("body", index, "follows"), "Input should be a valid UUID"));
        }
        return id;
    }

    private static void labels(JsonNode resource, List<Object> loc, boolean related, List<ObjectNode> problems) {
        if (resource == null || !resource.isObject()) {
            problems.add(detail(loc, "Input should be a valid dictionary"));
            return;
        }
        if (resource.size() > MAXIMUM_LABELS) {
            problems.add(detail(loc, "Too many labels"));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = resource.properties().iterator(); it.hasNext(); ) {
            if (!it.next().getValue().isTextual()) {
                problems.add(detail(loc, "Label values should be valid strings"));
                return;
            }
        }
        if (resource.path("prefect.resource.id").asText("").isEmpty()) {
            problems.add(detail(loc, "Value error, Resources must include the prefect.resource.id label"));
        }
        if (related && resource.path("prefect.resource.role").asText("").isEmpty()) {
            problems.add(detail(loc, "Value error, Related Resources must include the prefect.resource.role label"));
        }
    }

    private static boolean isTime(JsonNode node) {
        try {
            OffsetDateTime.parse(node.asText());
            return node.isTextual();
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private static boolean isUuid(JsonNode node) {
        try {
            UUID.fromString(node.asText());
            return node.isTextual() && node.asText().length() == 36;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static ObjectNode detail(List<Object> loc, String message) {
        ObjectNode detail = JSON.createObjectNode();
        ArrayNode where = detail.putArray("loc");
        loc.forEach(part -> {
            if (part instanceof Integer i) {
                where.add(i);
            } else {
                where.add(part.toString());
            }
        });
        detail.put("msg", message);
        detail.put("type", "value_error");
        return detail;
    }

    /** Prefect's 422: {@code exception_message}, {@code exception_detail} (pydantic's errors). */
    private static void unprocessable(HttpExchange exchange, List<ObjectNode> problems) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.put("exception_message", "Invalid request received.");
        body.putArray("exception_detail").addAll(problems);
        respond(exchange, 422, JSON.writeValueAsString(body));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public synchronized void close() {
        if (!executor.isShutdown()) {
            down();
        }
    }
}
