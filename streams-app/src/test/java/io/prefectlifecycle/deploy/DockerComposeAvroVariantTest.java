package io.prefectlifecycle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prefectlifecycle.app.AppConfig;
import io.prefectlifecycle.app.Setting;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docker-compose.avro.yml, laid over docker-compose.yml, wires the Avro variant: the connector registered is the Avro
 * one, Connect has Apicurio's converters, and the app and the converter both reach the {@code schema-registry}
 * service, each on the API it speaks, on the port the registry listens on.
 */
class DockerComposeAvroVariantTest {

    private final JsonNode base;
    private final JsonNode avro;

    DockerComposeAvroVariantTest() throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        base = yaml.readTree(ProjectPaths.root().resolve("docker-compose.yml").toFile())
                .path("services");
        avro = yaml.readTree(
                        ProjectPaths.root().resolve("docker-compose.avro.yml").toFile())
                .path("services");
    }

    @Test
    void overridesOnlyServicesOfTheBaseFile() {
        avro.fieldNames()
                .forEachRemaining(
                        service -> assertTrue(base.has(service), service + " is not a service of docker-compose.yml"));
    }

    @Test
    void theAppWritesAvroThroughTheRegistryServicesConfluentApi() throws Exception {
        JsonNode environment = avro.at("/app/environment");
        Map<String, String> env = new HashMap<>();
        base.at("/app/environment")
                .properties()
                .forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        environment.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
        AppConfig config = AppConfig.load(env, Map.of()); // the app accepts the merged settings
        assertEquals(EventFormat.AVRO, config.eventFormat());
        URI url = config.schemaRegistryUrl().orElseThrow();
        assertEquals("schema-registry", url.getHost());
        assertEquals(registryPort(), url.getPort());
        assertEquals("/apis/ccompat/v7", url.getPath(), "Apicurio's Confluent-compatible API");
        assertEquals(
                "service_healthy",
                avro.at("/app/depends_on/schema-registry/condition").asText());
        assertTrue(env.keySet().stream()
                .filter(k -> k.startsWith("PREFECT_CDC_"))
                .allMatch(k -> java.util.Arrays.stream(Setting.values())
                        .anyMatch(s -> s.env().equals(k))));
    }

    @Test
    void connectRegistersTheAvroConnectorWithApicuriosConvertersPointedAtTheRegistry() throws Exception {
        assertEquals(
                "true",
                avro.at("/connect/environment/ENABLE_APICURIO_CONVERTERS").asText(),
                "Debezium's image puts Apicurio's converters on the plugin path only when asked");
        JsonNode entrypoint = avro.at("/register-connector/entrypoint");
        String file = entrypoint.get(entrypoint.size() - 1).asText();
        assertEquals("/connect-config/prefect-connector-avro.json", file);
        Path connector = ProjectPaths.root().resolve("connect-config/prefect-connector-avro.json");
        JsonNode config = Json.MAPPER.readTree(Files.readString(connector)).path("config");
        for (String converter : new String[] {"key.converter", "value.converter"}) {
            assertEquals(
                    "io.apicurio.registry.utils.converter.AvroConverter",
                    config.path(converter).asText());
            URI url =
                    URI.create(config.path(converter + ".apicurio.registry.url").asText());
            assertEquals("schema-registry", url.getHost());
            assertEquals(registryPort(), url.getPort());
            assertEquals("/apis/registry/v2", url.getPath(), "Apicurio's own API, which its converter speaks");
            assertEquals(
                    "true",
                    config.path(converter + ".apicurio.registry.as-confluent").asText(),
                    "the Confluent wire format, which the app reads");
        }
        assertEquals(
                "service_healthy",
                avro.at("/connect/depends_on/schema-registry/condition").asText());
    }

    /** The port the registry listens on inside the network: QUARKUS_HTTP_PORT, the target of its port mapping. */
    private int registryPort() {
        JsonNode registry = base.path("schema-registry");
        int port = registry.at("/environment/QUARKUS_HTTP_PORT").asInt(8080);
        String mapping = registry.path("ports").get(0).asText();
        assertTrue(mapping.endsWith(":" + port), mapping + " maps the container port " + port);
        return port;
    }
}
