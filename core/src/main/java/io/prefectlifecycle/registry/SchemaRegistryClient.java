package io.prefectlifecycle.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The few calls of the Confluent Schema Registry REST API this app needs, over the JDK's HTTP client: register a schema
 * under a subject, find its id, read a schema by id. Confluent Schema Registry, Apicurio Registry
 * ({@code /apis/ccompat/v7}), Karapace and Redpanda serve them. Only Avro schemas ({@code schemaType} left out).
 *
 * <p>Answers are cached for the life of the client (a schema id never changes its schema); only the first use of a
 * schema or id goes to the registry. A call that gets no answer, or 5xx, 408 or 429, is tried again with exponential
 * backoff until its retry budget is spent, then fails with {@link SchemaRegistryUnavailableException}; other errors
 * fail at once with {@link SchemaRegistryException} ({@link SchemaNotFoundException} for 404). Thread-safe.
 */
public final class SchemaRegistryClient {

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);
    /** Within Kafka Streams' 10 s transaction timeout: a record waiting on the registry must not outlive its transaction. */
    static final Duration DEFAULT_RETRY_BUDGET = Duration.ofSeconds(8);

    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Registration(String subject, String schema) {}

    private final URI base;
    private final String shownAs;
    private final Optional<String> authorization;
    private final Duration requestTimeout;
    private final Duration retryBudget;
    private final HttpClient http;
    private final Map<Integer, String> schemasById = new ConcurrentHashMap<>();
    private final Map<Registration, Integer> idsByRegistration = new ConcurrentHashMap<>();

    public SchemaRegistryClient(URI url) {
        this(url, DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETRY_BUDGET);
    }

    /**
     * @param url            the API root; {@code user:password@} in it is sent as HTTP basic auth and never shown
     * @param requestTimeout how long one attempt may take
     * @param retryBudget    how long one call may keep trying while the registry does not answer
     */
    public SchemaRegistryClient(URI url, Duration requestTimeout, Duration retryBudget) {
        Objects.requireNonNull(url, "url");
        if (url.getScheme() == null
                || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new IllegalArgumentException("schema registry URL must be http(s)://host[:port][/path]");
        }
        String path = url.getRawPath() == null ? "" : url.getRawPath().replaceAll("/+$", "");
        this.base = URI.create(url.getScheme() + "://" + url.getRawAuthority().replaceFirst("^.*@", "") + path);
        this.shownAs = base.toString();
        this.authorization = Optional.ofNullable(url.getRawUserInfo())
                .map(info -> "Basic "
                        + Base64.getEncoder()
                                .encodeToString(percentDecoded(info).getBytes(StandardCharsets.UTF_8)));
        this.requestTimeout = requestTimeout;
        this.retryBudget = retryBudget;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    /** The registry's address as shown in messages: without credentials. */
    public String url() {
        return shownAs;
    }

    /**
     * {@code POST /subjects/{subject}/versions}: registers {@code schema} (idempotent: an already registered schema
     * keeps its id).
     *
     * @return the schema's id, as the wire format carries it
     * @throws SchemaRegistryException e.g. 409 when the subject's compatibility rule rejects the schema
     */
    public int register(String subject, String schema) {
        Registration key = new Registration(subject, schema);
        Integer cached = idsByRegistration.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("POST", "/subjects/" + segment(subject) + "/versions", schemaBody(schema));
        int id = id(answer, "POST /subjects/" + subject + "/versions");
        idsByRegistration.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    /**
     * {@code POST /subjects/{subject}}: the id of {@code schema} if it is registered under {@code subject}.
     *
     * @return empty when the subject does not exist or does not hold the schema
     */
    public OptionalInt lookup(String subject, String schema) {
        Registration key = new Registration(subject, schema);
        Integer cached = idsByRegistration.get(key);
        if (cached != null) {
            return OptionalInt.of(cached);
        }
        JsonNode answer;
        try {
            answer = call("POST", "/subjects/" + segment(subject), schemaBody(schema));
        } catch (SchemaNotFoundException e) {
            return OptionalInt.empty();
        }
        int id = id(answer, "POST /subjects/" + subject);
        idsByRegistration.put(key, id);
        schemasById.putIfAbsent(id, schema);
        return OptionalInt.of(id);
    }

    /**
     * {@code GET /schemas/ids/{id}}: the schema text registered with that id.
     *
     * @throws SchemaNotFoundException when the registry has no schema with this id
     */
    public String schemaById(int id) {
        String cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null);
        JsonNode schema = answer.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new SchemaRegistryException(
                    shownAs + ": GET /schemas/ids/" + id + " answered without a schema", 200, -1);
        }
        schemasById.put(id, schema.textValue());
        return schema.textValue();
    }

    /** {@code GET /subjects}: every subject; not cached (a start-up check that the registry answers). */
    public List<String> subjects() {
        JsonNode answer = call("GET", "/subjects", null);
        List<String> subjects = new ArrayList<>();
        answer.forEach(s -> subjects.add(s.asText()));
        return subjects;
    }

    private JsonNode call(String method, String path, String body) {
        long deadline = System.nanoTime() + retryBudget.toNanos();
        Duration backoff = FIRST_BACKOFF;
        int attempts = 0;
        String lastFailure;
        while (true) {
            attempts++;
            long remaining = deadline - System.nanoTime();
            Duration timeout = Duration.ofNanos(Math.max(
                    Math.min(requestTimeout.toNanos(), remaining),
                    Duration.ofMillis(200).toNanos()));
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(shownAs + path))
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            authorization.ifPresent(a -> request.header("Authorization", a));
            if (body == null) {
                request.GET();
            } else {
                request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    return parse(response.body(), method, path);
                }
                if (!(status >= 500 || status == 408 || status == 429)) {
                    throw error(method, path, status, response.body());
                }
                lastFailure = "HTTP " + status;
            } catch (IOException e) {
                lastFailure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException(shownAs + ": " + method + " " + path + " interrupted", e);
            }
            long sleep = Math.min(backoff.toNanos(), deadline - System.nanoTime());
            if (sleep <= 0) {
                throw new SchemaRegistryUnavailableException(
                        shownAs + ": " + method + " " + path + " failed " + attempts + " time(s) within "
                                + retryBudget.toMillis() + " ms; last: " + lastFailure,
                        null);
            }
            try {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryUnavailableException(shownAs + ": " + method + " " + path + " interrupted", e);
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    private JsonNode parse(String body, String method, String path) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(
                    shownAs + ": " + method + " " + path + " answered with something other " + "than JSON", 200, -1);
        }
    }

    private SchemaRegistryException error(String method, String path, int status, String body) {
        int errorCode = -1;
        String message = "";
        try {
            JsonNode error = JSON.readTree(body);
            errorCode = error.path("error_code").asInt(-1);
            message = error.path("message").asText("");
        } catch (IOException | RuntimeException e) {
            // not Confluent's error JSON: the status says enough
        }
        String text = shownAs + ": " + method + " " + path + " -> HTTP " + status
                + (errorCode >= 0 ? " (error_code " + errorCode + ")" : "") + (message.isEmpty() ? "" : ": " + message);
        return status == 404
                ? new SchemaNotFoundException(text, errorCode)
                : new SchemaRegistryException(text, status, errorCode);
    }

    private int id(JsonNode answer, String call) {
        JsonNode id = answer.get("id");
        if (id == null || !id.canConvertToInt()) {
            throw new SchemaRegistryException(shownAs + ": " + call + " answered without an id", 200, -1);
        }
        return id.intValue();
    }

    private static String schemaBody(String schema) {
        ObjectNode body = JSON.createObjectNode();
        body.put("schema", schema);
        return body.toString();
    }

    private static String segment(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Percent-decoding of user info ({@code user%40corp:p%3Ass}), without {@code +} meaning space. */
    private static String percentDecoded(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "SchemaRegistryClient[" + shownAs + "]";
    }
}
