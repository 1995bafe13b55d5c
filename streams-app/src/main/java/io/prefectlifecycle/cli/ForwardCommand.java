package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.HttpEndpoint;
import io.prefectlifecycle.app.Telemetry;
import io.prefectlifecycle.app.TerminationSignals;
import io.prefectlifecycle.forward.Forwarder;
import io.prefectlifecycle.forward.PrefectAuth;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/** Forward the events topic into a Prefect server's event stream. */
@Command(
        name = "forward",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Forward events from the events topic to a Prefect server (POST /api/events), for its " + "automations.",
            "",
            "A consumer group (read_committed) whose offsets are committed only after the server accepted the "
                    + "events: at least once, and Prefect keeps each event id once. While the server is down or answers "
                    + "5xx, the batch is sent again after a doubling wait (at most --max-retry-interval). Servers that "
                    + "emit lifecycle events themselves (Prefect 3.7.4 and later, read from GET /api/admin/version) are "
                    + "refused unless --allow-native. Events over the server's size limit go to the dead-letter topic. "
                    + "/health/live, /health/ready and /metrics as for run. See docs/operations.md.",
            ""
        },
        footer = {
            "",
            "Credentials, never logged: PREFECT_API_AUTH_STRING or PREFECT_SERVER_API_AUTH_STRING (a server's "
                    + "auth string, sent as Basic), else PREFECT_API_KEY (Prefect Cloud, sent as Bearer). Kafka client "
                    + "settings as for tail: --command-config or KAFKA_<NAME> variables.",
            "Exit status: 0 stopped by SIGTERM or SIGINT; 1 the server refused the credentials, has no events API "
                    + "or emits lifecycle events itself, or Kafka failed; 2 bad options.",
            "",
            "Examples:",
            "  forward --bootstrap-servers kafka:9092 \\",
            "          --prefect-api-url http://prefect-server:4200/api",
            "      every new event to a Prefect 2.16.9 to 3.7.3 server",
            "  PREFECT_API_AUTH_STRING=\"$(cat /run/secrets/prefect-auth)\" \\",
            "  forward --prefect-api-url http://prefect-server:4200/api \\",
            "          --event 'prefect.deployment.*' --from-beginning",
            "      deployment events, the retained ones first, with an auth string"
        })
public final class ForwardCommand implements Callable<Integer> {

    @Mixin
    KafkaConnection kafka;

    @Mixin
    SchemaRegistryOption schemaRegistry = new SchemaRegistryOption();

    @Option(
            names = "--prefect-api-url",
            paramLabel = "URL",
            defaultValue = "${env:PREFECT_API_URL}",
            description = "Prefect's API URL, as Prefect's clients take it: http://<host>:4200/api (env "
                    + "PREFECT_API_URL). Required.")
    String prefectApiUrl;

    @Option(
            names = "--topic",
            paramLabel = "TOPIC",
            defaultValue = "${env:PREFECT_CDC_EVENTS_TOPIC:-" + TopologySettings.DEFAULT_EVENTS_TOPIC + "}",
            description = "Events topic (env PREFECT_CDC_EVENTS_TOPIC, as for run). Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(
            names = "--group-id",
            paramLabel = "GROUP",
            defaultValue = "${env:PREFECT_CDC_FORWARD_GROUP_ID:-prefect-lifecycle-cdc-forward}",
            description = "Consumer group: where the committed offsets are kept (env PREFECT_CDC_FORWARD_GROUP_ID). "
                    + "One group per Prefect server. Default: ${DEFAULT-VALUE}.")
    String groupId;

    @Option(
            names = "--dead-letter-topic",
            paramLabel = "TOPIC",
            defaultValue = "${env:PREFECT_CDC_DEAD_LETTER_TOPIC:-" + TopologySettings.DEFAULT_DEAD_LETTER_TOPIC + "}",
            description = "Where events the server cannot take go, with a dlq.reason header (env "
                    + "PREFECT_CDC_DEAD_LETTER_TOPIC, as for run). Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Mixin
    EventFilterOptions filters = new EventFilterOptions();

    @Option(
            names = "--from-beginning",
            description = "A group without committed offsets starts at the beginning of the topic (default: its end, "
                    + "so that old changes do not trigger automations now). Afterwards the committed offsets rule.")
    boolean fromBeginning;

    @Option(
            names = "--allow-native",
            description = "Forward to a server that emits lifecycle events itself (Prefect 3.7.4 and later, or a "
                    + "release it cannot read): each change then shows twice, with different ids.")
    boolean allowNative;

    @Option(
            names = "--batch-size",
            defaultValue = "100",
            paramLabel = "N",
            description = "Events per request at most. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(
            names = "--max-event-bytes",
            defaultValue = "1500000",
            paramLabel = "BYTES",
            description = "The server's PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES: larger events (with the received "
                    + "time the server adds) go to the dead-letter topic, since the server would drop them. "
                    + "Default: ${DEFAULT-VALUE}.")
    long maxEventBytes;

    @Option(
            names = "--max-retry-interval",
            defaultValue = "PT30S",
            paramLabel = "DURATION",
            description = "Longest wait between two attempts while the server is down (ISO-8601; the waits double "
                    + "from 0.5 s). Default: ${DEFAULT-VALUE}.")
    Duration maxRetryInterval;

    @Option(
            names = "--request-timeout",
            defaultValue = "PT10S",
            paramLabel = "DURATION",
            description = "How long one request may take before it counts as failed and is retried. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration requestTimeout;

    @Option(
            names = "--http-port",
            defaultValue = "${env:PREFECT_CDC_HTTP_PORT:-8080}",
            paramLabel = "PORT",
            description = "Port of /health/live, /health/ready (200 while the server answers) and /metrics; 0 turns "
                    + "it off (env PREFECT_CDC_HTTP_PORT, as for run). Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Override
    public Integer call() {
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        AtomicReference<Forwarder> running = new AtomicReference<>();
        AtomicBoolean signalled = new AtomicBoolean();
        // SIGTERM stops the forwarder, which returns: the exit status is 0, not the JVM's 143
        TerminationSignals signals = TerminationSignals.install(
                signal -> {
                    signalled.set(true);
                    Forwarder forwarder = running.get();
                    if (forwarder != null) {
                        forwarder.stop();
                    }
                },
                requestTimeout.plusSeconds(10));
        try {
            return execute(System.getenv(), err, forwarder -> {
                running.set(forwarder);
                if (signalled.get()) {
                    forwarder.stop();
                }
            });
        } finally {
            signals.finished();
        }
    }

    /**
     * Runs until stopped ({@link Forwarder#stop()} on the forwarder handed to {@code started}) or failed.
     *
     * @return the exit status: 0 stopped, 1 failed (the reason on {@code err}, one line), 2 bad options
     */
    public int execute(Map<String, String> env, PrintStream err, Consumer<Forwarder> started) {
        Forwarder.Options options;
        try {
            options = options(env);
        } catch (IllegalArgumentException | IOException e) {
            err.println("forward: " + e.getMessage());
            return ErrorLines.BAD_INPUT;
        }
        try (Telemetry telemetry = new Telemetry()) {
            Forwarder forwarder = new Forwarder(options, telemetry.registry(), telemetry::bind);
            AutoCloseable http;
            try {
                http = httpPort == 0 ? () -> {} : HttpEndpoint.start(httpPort, forwarder::state, telemetry);
            } catch (IOException e) {
                err.println("forward: cannot serve HTTP on port " + httpPort + " (--http-port): " + e.getMessage());
                return ErrorLines.FAILED;
            }
            try (AutoCloseable endpoint = http) {
                started.accept(forwarder);
                kafka.checkLogin(options.clients());
                forwarder.run();
                return 0;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        } catch (Exception e) {
            err.println("forward: " + e.getMessage());
            return ErrorLines.FAILED;
        }
    }

    /** @throws IllegalArgumentException naming the option and the value */
    Forwarder.Options options(Map<String, String> env) throws IOException {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " is not from 1 to 10000");
        }
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("--max-event-bytes " + maxEventBytes + " must be positive");
        }
        if (maxRetryInterval.toMillis() < 500 || requestTimeout.toMillis() < 1) {
            throw new IllegalArgumentException(
                    "--max-retry-interval must be at least PT0.5S and --request-timeout " + "positive");
        }
        if (httpPort < 0 || httpPort > 65535) {
            throw new IllegalArgumentException("--http-port " + httpPort + " is not from 0 to 65535");
        }
        Properties clients = kafka.properties(env);
        return new Forwarder.Options(
                clients,
                topic,
                groupId,
                deadLetterTopic,
                filters.filter(),
                fromBeginning,
                apiUrl(prefectApiUrl),
                PrefectAuth.fromEnv(env),
                allowNative,
                batchSize,
                maxEventBytes,
                maxRetryInterval,
                requestTimeout,
                schemaRegistry.url(env));
    }

    static URI apiUrl(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(
                    "--prefect-api-url (or PREFECT_API_URL) is needed: Prefect's API URL, " + "http://<host>:4200/api");
        }
        URI url;
        try {
            url = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("--prefect-api-url '" + DatabaseUrl.masked(text) + "' is not a URL");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null) {
            throw new IllegalArgumentException("--prefect-api-url '" + DatabaseUrl.masked(text) + "' is not an "
                    + "http(s)://host[:port]/api URL");
        }
        if (url.getUserInfo() != null) {
            throw new IllegalArgumentException("--prefect-api-url must not hold credentials: give the auth string in "
                    + PrefectAuth.API_AUTH_STRING + " (or " + PrefectAuth.API_KEY + ")");
        }
        return url;
    }
}
