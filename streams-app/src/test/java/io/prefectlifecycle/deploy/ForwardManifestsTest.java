package io.prefectlifecycle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prefectlifecycle.cli.ForwardCommand;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code deploy/k8s-forward/} parsed and checked against {@code forward}: the image's {@code forward} command, only
 * variables forward reads, the credentials from an optional Secret without data, the probes on forward's health paths
 * and port, a grace period that outlasts a request.
 */
class ForwardManifestsTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path DIR = ProjectPaths.root().resolve("deploy/k8s-forward");
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");

    private final JsonNode kustomization =
            read(DIR.resolve("kustomization.yaml")).get(0);
    private final List<JsonNode> objects = manifests();
    private final JsonNode container = only("Deployment").at("/spec/template/spec/containers/0");
    private final Map<String, String> literals = literals();

    @Test
    void everyManifestIsAResourceAndTheImageRunsForward() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(DIR)) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(
                files, texts(kustomization.path("resources")).stream().collect(Collectors.toCollection(TreeSet::new)));
        assertEquals("prefect-lifecycle-cdc", container.path("image").asText(), "the image of deploy/k8s");
        assertEquals(List.of("forward"), texts(container.path("args")));
    }

    @Test
    void everyVariableIsOneForwardReads() {
        Set<String> read = new HashSet<>(List.of(
                "PREFECT_CDC_BOOTSTRAP_SERVERS",
                "PREFECT_CDC_SCHEMA_REGISTRY_URL",
                "PREFECT_API_AUTH_STRING",
                "PREFECT_SERVER_API_AUTH_STRING",
                "PREFECT_API_KEY"));
        for (OptionSpec option : forward().getCommandSpec().options()) {
            Matcher m = ENV_DEFAULT.matcher(String.valueOf(option.defaultValue()));
            while (m.find()) {
                read.add(m.group(1));
            }
        }
        assertTrue(read.contains("PREFECT_API_URL") && read.contains("PREFECT_CDC_FORWARD_GROUP_ID"), read.toString());
        Set<String> kafkaKeys = new HashSet<>(ConsumerConfig.configNames());
        kafkaKeys.addAll(ProducerConfig.configNames());
        List<String> used = new ArrayList<>(literals.keySet());
        container.path("env").forEach(e -> used.add(e.path("name").asText()));
        for (String name : used) {
            if (name.startsWith("KAFKA_")) {
                String key = name.substring("KAFKA_".length())
                        .toLowerCase(java.util.Locale.ROOT)
                        .replace('_', '.');
                assertTrue(kafkaKeys.contains(key), name + " names no Kafka client setting");
            } else {
                assertTrue(read.contains(name), name + " is not read by forward");
            }
        }
    }

    @Test
    void credentialsComeFromAnOptionalSecretWithoutData() {
        JsonNode secret = only("Secret");
        assertTrue(
                secret.path("data").isMissingNode() && secret.path("stringData").isMissingNode());
        for (String name : List.of("PREFECT_API_AUTH_STRING", "PREFECT_API_KEY", "KAFKA_SASL_JAAS_CONFIG")) {
            JsonNode ref = stream(container.path("env"))
                    .filter(e -> e.path("name").asText().equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " is not set"))
                    .at("/valueFrom/secretKeyRef");
            assertEquals(secret.at("/metadata/name").asText(), ref.path("name").asText(), name);
            assertEquals(name, ref.path("key").asText());
            assertTrue(ref.path("optional").asBoolean(), name + ": optional, forward starts without it");
        }
        literals.keySet()
                .forEach(k -> assertFalse(
                        k.contains("AUTH") || k.contains("KEY") || k.contains("JAAS"), k + " belongs in the Secret"));
    }

    @Test
    void probesAndPortAreForwardsAndTheGracePeriodOutlastsARequest() {
        JsonNode port = container.path("ports").get(0);
        assertEquals("http", port.path("name").asText());
        assertEquals(8080, port.path("containerPort").asInt());
        assertEquals("8080", literals.get("PREFECT_CDC_HTTP_PORT"));
        assertEquals("/health/live", container.at("/livenessProbe/httpGet/path").asText());
        assertEquals(
                "/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/health/live", container.at("/startupProbe/httpGet/path").asText());
        Duration requestTimeout = Duration.parse(String.valueOf(
                forward().getCommandSpec().findOption("--request-timeout").defaultValue()));
        long grace = only("Deployment")
                .at("/spec/template/spec/terminationGracePeriodSeconds")
                .asLong();
        assertTrue(grace >= requestTimeout.toSeconds() + 10, "grace " + grace + " s");
        assertEquals("Recreate", only("Deployment").at("/spec/strategy/type").asText(), "one forwarder at a time");
    }

    @Test
    void kustomizeRendersTheManifests() throws Exception {
        Path kubectl = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "kubectl"))
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        assumeTrue(kubectl != null, "kubectl is not installed");
        Process process = new ProcessBuilder(kubectl.toString(), "kustomize", DIR.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue());
        List<JsonNode> rendered = parse(new String(out, StandardCharsets.UTF_8));
        JsonNode configMap = rendered.stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap"))
                .findFirst()
                .orElseThrow();
        JsonNode deployment = rendered.stream()
                .filter(o -> o.path("kind").asText().equals("Deployment"))
                .findFirst()
                .orElseThrow();
        assertEquals(
                configMap.at("/metadata/name").asText(),
                deployment
                        .at("/spec/template/spec/containers/0/envFrom/0/configMapRef/name")
                        .asText());
    }

    private static CommandLine forward() {
        return new CommandLine(new ForwardCommand()).setInterpolateVariables(false); // ${env:…} as declared
    }

    private Map<String, String> literals() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String literal : texts(kustomization.at("/configMapGenerator/0/literals"))) {
            map.put(literal.substring(0, literal.indexOf('=')), literal.substring(literal.indexOf('=') + 1));
        }
        return map;
    }

    private JsonNode only(String kind) {
        List<JsonNode> found = objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
        assertEquals(1, found.size(), "one " + kind);
        return found.get(0);
    }

    private List<JsonNode> manifests() {
        List<JsonNode> all = new ArrayList<>();
        texts(kustomization.path("resources")).forEach(file -> all.addAll(read(DIR.resolve(file))));
        return all;
    }

    private static List<JsonNode> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<JsonNode> parse(String yaml) {
        try {
            return YAML.readValues(YAML.getFactory().createParser(yaml), JsonNode.class)
                    .readAll();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }
}
