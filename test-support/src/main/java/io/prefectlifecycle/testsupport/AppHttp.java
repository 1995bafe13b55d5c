package io.prefectlifecycle.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The app's HTTP endpoints as a test asks them: {@code /health/*} status codes and the {@code /metrics} scrape. */
public final class AppHttp {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AppHttp() {}

    /** The status code, or -1 while nothing listens. */
    public static int status(String url) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The body of a GET that must answer 200. */
    public static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response =
                HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), url);
        return response.body();
    }

    /** A Prometheus scrape's samples: {@code name{labels}} → value ({@code ±Inf} and {@code NaN} included). */
    public static Map<String, Double> samples(String scrape) {
        Map<String, Double> samples = new TreeMap<>();
        scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).forEach(line -> {
            int space = line.lastIndexOf(' ');
            String value = line.substring(space + 1);
            samples.put(
                    line.substring(0, space),
                    value.endsWith("Inf")
                            ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                            : value.equals("NaN") ? Double.NaN : Double.parseDouble(value));
        });
        return samples;
    }
}
