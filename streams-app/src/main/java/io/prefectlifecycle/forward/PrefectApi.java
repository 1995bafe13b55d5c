package io.prefectlifecycle.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * The two calls {@code forward} makes to a Prefect server, under its API URL (Prefect's {@code PREFECT_API_URL},
 * {@code http://prefect:4200/api}): {@code GET /admin/version} (the Prefect release, a JSON string) and
 * {@code POST /events} (a JSON array of events; 204, de-duplicated by id, {@code received} stamped by the server).
 * An {@link IOException} means the server did not answer (refused, reset, timed out).
 */
public final class PrefectApi {

    /** What the server answered: the status and the start of the body (for messages; never an event's content). */
    public record Reply(int status, String body) {

        public boolean accepted() {
            return status >= 200 && status < 300;
        }

        /** 401 or 403: the credentials are wrong or missing; retrying does not help. */
        public boolean unauthorized() {
            return status == 401 || status == 403;
        }

        /** The server (or a proxy in front of it) is down, starting, overloaded or timed out: retrying helps. */
        public boolean retriable() {
            return status >= 500 || status == 408 || status == 429;
        }
    }

    private static final int BODY_SHOWN = 300;

    private final URI base;
    private final PrefectAuth auth;
    private final Duration timeout;
    private final HttpClient client;

    public PrefectApi(URI apiUrl, PrefectAuth auth, Duration timeout) {
        String text = apiUrl.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.auth = auth;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    public URI events() {
        return base.resolve("events");
    }

    public URI adminVersion() {
        return base.resolve("admin/version");
    }

    public Reply version() throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(adminVersion()).GET());
    }

    /** Posts the events, each given as its JSON bytes, as one JSON array. */
    public Reply post(List<byte[]> events) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(events())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(jsonArray(events))));
    }

    static byte[] jsonArray(List<byte[]> events) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(
                events.stream().mapToInt(e -> e.length + 1).sum() + 2);
        body.write('[');
        for (int i = 0; i < events.size(); i++) {
            if (i > 0) {
                body.write(',');
            }
            body.writeBytes(events.get(i));
        }
        body.write(']');
        return body.toByteArray();
    }

    private Reply send(HttpRequest.Builder request) throws IOException, InterruptedException {
        request.timeout(timeout).header("Accept", "application/json");
        auth.header().ifPresent(value -> request.header("Authorization", value));
        HttpResponse<String> response =
                client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String body = response.body() == null ? "" : response.body().strip();
        return new Reply(
                response.statusCode(), body.length() > BODY_SHOWN ? body.substring(0, BODY_SHOWN) + "…" : body);
    }
}
