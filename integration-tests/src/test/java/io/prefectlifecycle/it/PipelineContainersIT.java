package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.testsupport.DockerEngine;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.testsupport.PipelineScenario;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.MountableFile;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * {@link PipelineScenario} against the images docker-compose.yml runs (PostgreSQL 15, Apache Kafka, Debezium's
 * Connect image), wired as there: the connector is PUT from connect-config/ with its {@code ${env:PREFECT_DB_*}}
 * references served by Connect's EnvVarConfigProvider. The app runs in this JVM against the broker's host port.
 * Skipped where no Docker engine answers; {@link PipelineIT} runs the same scenario without Docker.
 */
class PipelineContainersIT {
    private static final String POSTGRES_IMAGE = "postgres:15.19";
    private static final String KAFKA_IMAGE = "apache/kafka:4.3.1";
    private static final String CONNECT_IMAGE = "quay.io/debezium/connect:3.6.1.Final";
    private static final String DB_USER = "prefect";
    private static final String DB_PASSWORD = "prefect";
    private static final String DB_NAME = "prefect";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void assumeDocker() {
        DockerEngine.assume("PipelineContainersIT skipped (PipelineIT runs the same scenario without Docker)");
    }

    @Test
    void everyCommittedPrefectWriteBecomesItsEventAndNothingElse() throws Exception {
        assumeDocker();
        PhaseTimings timings = new PhaseTimings("PipelineContainersIT");
        try (Network network = Network.newNetwork();
                PostgreSQLContainer<?> postgres = new PostgreSQLContainer<>(POSTGRES_IMAGE)
                        .withNetwork(network)
                        .withNetworkAliases("postgres")
                        .withDatabaseName(DB_NAME)
                        .withUsername(DB_USER)
                        .withPassword(DB_PASSWORD)
                        .withCommand(
                                "postgres",
                                "-c",
                                "wal_level=logical",
                                "-c",
                                "max_replication_slots=4",
                                "-c",
                                "max_wal_senders=4")
                        .withCopyFileToContainer(
                                MountableFile.forClasspathResource("schemas/prefect-postgres.sql"),
                                "/docker-entrypoint-initdb.d/01-prefect-postgres.sql")
                        .withCopyFileToContainer(
                                MountableFile.forClasspathResource("schemas/debezium-heartbeat.sql"),
                                "/docker-entrypoint-initdb.d/02-debezium-heartbeat.sql");
                KafkaContainer kafka = new KafkaContainer(KAFKA_IMAGE)
                        .withNetwork(network)
                        .withNetworkAliases("kafka")
                        .withListener("kafka:19092")
                        .withEnv(Map.of(
                                "KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false",
                                "KAFKA_NUM_PARTITIONS", "1",
                                "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1",
                                "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1",
                                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1",
                                "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1",
                                "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0"));
                GenericContainer<?> connect = new GenericContainer<>(CONNECT_IMAGE)
                        .withNetwork(network)
                        .withNetworkAliases("connect")
                        .withExposedPorts(8083)
                        .withEnv(Map.ofEntries(
                                Map.entry("BOOTSTRAP_SERVERS", "kafka:19092"),
                                Map.entry("GROUP_ID", "prefect-lifecycle-connect"),
                                Map.entry("CONFIG_STORAGE_TOPIC", "_connect-configs"),
                                Map.entry("OFFSET_STORAGE_TOPIC", "_connect-offsets"),
                                Map.entry("STATUS_STORAGE_TOPIC", "_connect-status"),
                                Map.entry("CONFIG_STORAGE_REPLICATION_FACTOR", "1"),
                                Map.entry("OFFSET_STORAGE_REPLICATION_FACTOR", "1"),
                                Map.entry("STATUS_STORAGE_REPLICATION_FACTOR", "1"),
                                Map.entry("OFFSET_FLUSH_INTERVAL_MS", "1000"),
                                Map.entry("CONNECT_CONFIG_PROVIDERS", "env"),
                                Map.entry(
                                        "CONNECT_CONFIG_PROVIDERS_ENV_CLASS",
                                        "org.apache.kafka.common.config.provider.EnvVarConfigProvider"),
                                Map.entry("CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN", "^PREFECT_DB_.*"),
                                Map.entry("PREFECT_DB_HOST", "postgres"),
                                Map.entry("PREFECT_DB_PORT", "5432"),
                                Map.entry("PREFECT_DB_USER", DB_USER),
                                Map.entry("PREFECT_DB_PASSWORD", DB_PASSWORD),
                                Map.entry("PREFECT_DB_NAME", DB_NAME)))
                        .dependsOn(kafka, postgres)
                        .waitingFor(
                                Wait.forHttp("/connectors").forPort(8083).withStartupTimeout(Duration.ofMinutes(3)))) {
            connect.start(); // starts its dependencies first
            timings.lap("containers start (PostgreSQL, Kafka, then Connect)");
            PipelineScenario.run("PipelineContainersIT", inContainers(postgres, kafka, connect), timings);
            timings.lap("app closed");
        } finally {
            timings.print();
        }
    }

    private static PipelineScenario.Stack inContainers(
            PostgreSQLContainer<?> postgres, KafkaContainer kafka, GenericContainer<?> connect) {
        String restUrl = "http://" + connect.getHost() + ":" + connect.getMappedPort(8083);
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ConnectorDefinition connector = ConnectorDefinition.load();
        return new PipelineScenario.Stack() {
            @Override
            public String bootstrapServers() {
                return kafka.getBootstrapServers();
            }

            @Override
            public Connection connect() throws SQLException {
                return DriverManager.getConnection(postgres.getJdbcUrl(), DB_USER, DB_PASSWORD);
            }

            /** As connect-config/register-connector.sh does: PUT the config as it is, wait for RUNNING. */
            @Override
            public void registerConnector() {
                String path = restUrl + "/connectors/" + connector.name();
                await("PUT " + path + "/config")
                        .atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> {
                            int code = http.send(
                                            HttpRequest.newBuilder(URI.create(path + "/config"))
                                                    .header("Content-Type", "application/json")
                                                    .PUT(HttpRequest.BodyPublishers.ofString(connector.configJson()))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode();
                            if (code != 200 && code != 201 && code != 409 && code < 500) {
                                throw new IllegalStateException("PUT " + path + "/config -> HTTP " + code);
                            }
                            return code == 200 || code == 201;
                        });
                await("connector " + connector.name() + " RUNNING")
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> {
                            HttpResponse<String> status = http.send(
                                    HttpRequest.newBuilder(URI.create(path + "/status"))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (status.statusCode() != 200) {
                                return false;
                            }
                            JsonNode body = JSON.readTree(status.body());
                            if (status.body().contains("\"FAILED\"")) {
                                throw new IllegalStateException("connector FAILED: " + body.toPrettyString());
                            }
                            Set<String> states = new HashSet<>();
                            states.add(body.path("connector").path("state").asText());
                            body.path("tasks")
                                    .forEach(t -> states.add(t.path("state").asText()));
                            return body.path("tasks").size() > 0 && states.equals(Set.of("RUNNING"));
                        });
            }

            @Override
            public void createTopics(List<String> topics) throws Exception {
                try (Admin admin =
                        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
                    Set<String> existing = admin.listTopics().names().get();
                    admin.createTopics(topics.stream()
                                    .filter(t -> !existing.contains(t))
                                    .map(t -> new NewTopic(t, 1, (short) 1))
                                    .collect(Collectors.toSet()))
                            .all()
                            .get();
                }
            }

            @Override
            public Duration clockSkew() {
                return Duration.ofSeconds(2);
            }
        };
    }
}
