import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * A container healthcheck for an image with neither a shell nor curl: exits 0 when {@code GET <url>} answers 2xx
 * within a few seconds, else 1. The URL defaults to {@code /health/ready} on {@code PREFECT_CDC_HTTP_PORT}
 * (8080). The image profile compiles it into {@code /app/healthcheck}:
 * {@code java -cp /app/healthcheck HealthCheck [url]}. java.base only, so any Java 17 base runs it.
 */
public final class HealthCheck {

    public static void main(String[] args) {
        String port = System.getenv().getOrDefault("PREFECT_CDC_HTTP_PORT", "8080");
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:" + port + "/health/ready";
        try {
            HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
            connection.setConnectTimeout(2_000);
            connection.setReadTimeout(3_000);
            int status = connection.getResponseCode();
            System.out.println(url + " " + status);
            System.exit(status / 100 == 2 ? 0 : 1);
        } catch (IOException | IllegalArgumentException e) {
            System.out.println(url + " " + e);
            System.exit(1);
        }
    }
}
