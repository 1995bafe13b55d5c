package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cli.ForwardCommand;
import io.prefectlifecycle.forward.Forwarder;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.testsupport.DockerEngine;
import io.prefectlifecycle.testsupport.GoldenEventsTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code forward} into Prefect's own server, the official image, where a Docker engine answers (skipped elsewhere;
 * ForwardIT runs the same against a server that implements Prefect's events API contract). The image is 3-latest,
 * which emits lifecycle events itself, hence {@code --allow-native}. The forwarded events are read back through
 * Prefect's {@code POST /api/events/filter}, by id.
 */
class ForwardContainersIT {

    private static final String PREFECT_IMAGE = "prefecthq/prefect:3-latest";
    private static final String AUTH = "admin:containers-s3cret";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prefectsOwnServerStoresEveryForwardedEvent() throws Exception {
        DockerEngine.assume("ForwardContainersIT skipped (ForwardIT runs forward against Prefect's events API contract "
                + "without Docker)");
        List<String> events = GoldenEventsTopic.captured();
        try (GenericContainer<?> prefect = new GenericContainer<>(PREFECT_IMAGE)
                        .withCommand("prefect", "server", "start", "--host", "0.0.0.0")
                        .withEnv("PREFECT_SERVER_API_AUTH_STRING", AUTH)
                        .withExposedPorts(4200)
                        .waitingFor(
                                Wait.forHttp("/api/health").forPort(4200).withStartupTimeout(Duration.ofMinutes(3)));
                LocalKafka kafka = LocalKafka.start()) {
            prefect.start();
            URI api = URI.create("http://" + prefect.getHost() + ":" + prefect.getMappedPort(4200) + "/api");
            String topic = "forward-containers-it";
            kafka.createTopics(List.of(topic, topic + ".dlq"));
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "forward-containers-it");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.initTransactions();
                producer.beginTransaction();
                events.forEach(e -> producer.send(GoldenEventsTopic.record(topic, e)));
                producer.commitTransaction();
            }

            ForwardCommand command = new ForwardCommand();
            new CommandLine(command)
                    .registerConverter(Duration.class, Duration::parse)
                    .parseArgs(
                            "--bootstrap-servers",
                            kafka.bootstrapServers(),
                            "--topic",
                            topic,
                            "--dead-letter-topic",
                            topic + ".dlq",
                            "--prefect-api-url",
                            api.toString(),
                            "--from-beginning",
                            "--allow-native",
                            "--http-port",
                            "0");
            AtomicReference<Forwarder> forwarder = new AtomicReference<>();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> command.execute(
                    Map.of("PREFECT_API_AUTH_STRING", AUTH),
                    new PrintStream(err, true, StandardCharsets.UTF_8),
                    forwarder::set));
            Set<String> ids = events.stream().map(GoldenEventsTopic::id).collect(Collectors.toSet());
            await("Prefect stores every forwarded event")
                    .atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(2))
                    .until(() -> stored(api, ids).equals(ids));
            await().atMost(Duration.ofSeconds(10)).until(() -> forwarder.get() != null);
            forwarder.get().stop();
            assertEquals(0, exit.get(30, TimeUnit.SECONDS), err.toString(StandardCharsets.UTF_8));
        }
    }

    /** The ids among {@code ids} that Prefect's {@code POST /api/events/filter} returns. */
    private static Set<String> stored(URI api, Set<String> ids) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode filter = body.putObject("filter");
        filter.putObject("occurred").put("since", "2000-01-01T00:00:00Z").put("until", "2100-01-01T00:00:00Z");
        ArrayNode wanted = filter.putObject("id").putArray("id");
        ids.forEach(wanted::add);
        body.put("limit", 50);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(api + "/events/filter"))
                                .header("Content-Type", "application/json")
                                .header(
                                        "Authorization",
                                        "Basic "
                                                + Base64.getEncoder()
                                                        .encodeToString(AUTH.getBytes(StandardCharsets.UTF_8)))
                                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Set<String> found = new HashSet<>();
        if (response.statusCode() == 200) {
            for (JsonNode event : JSON.readTree(response.body()).path("events")) {
                found.add(event.path("id").asText());
            }
        }
        return found;
    }
}
