package io.prefectlifecycle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prefectlifecycle.app.Setting;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code deploy/k8s/} parsed and checked against the app: the probes hit the app's health paths on its HTTP port,
 * every {@code PREFECT_CDC_*} variable is a {@link Setting}, the state volume is where the state directory is, the
 * grace period outlasts the shutdown timeout, and the Secret, PodDisruptionBudget and Service point at what the
 * manifests define. The health paths are literals here: the app declares them only inside its (package-private)
 * HTTP endpoint.
 */
class KubernetesManifestsTest {

    private static final String LIVE = "/health/live";
    private static final String READY = "/health/ready";
    private static final String METRICS = "/metrics";
    private static final String ENCRYPTION_KEY = "PREFECT_SERVER_ENCRYPTION_KEY";

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Path K8S = ProjectPaths.root().resolve("deploy/k8s");

    private final JsonNode kustomization = readOne(K8S.resolve("kustomization.yaml"));
    private final List<JsonNode> objects = readManifests();
    private final JsonNode statefulSet = only("StatefulSet");
    private final JsonNode podSpec = statefulSet.at("/spec/template/spec");
    private final JsonNode container = onlyElement(podSpec.path("containers"), "container of the StatefulSet");
    private final Map<String, String> settings = configMapLiterals();

    @Test
    void everyManifestIsAKustomizeResource() throws IOException {
        Set<String> files;
        try (Stream<Path> list = Files.list(K8S)) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(
                files,
                new TreeSet<>(texts(kustomization.path("resources"))),
                "deploy/k8s/*.yaml and kustomization.yaml's resources differ");
    }

    @Test
    void probesHitTheHealthPathsOnTheNamedHttpPort() {
        JsonNode http = onlyElement(container.path("ports"), "container port");
        assertEquals("http", http.path("name").asText(), "the container port is named http");
        int port = http.path("containerPort").asInt();
        assertEquals(Integer.parseInt(Setting.HTTP_PORT.defaultValue()), port, "container port = the app's default");
        assertEquals(
                String.valueOf(port),
                settings.get(Setting.HTTP_PORT.env()),
                Setting.HTTP_PORT.env() + " in the ConfigMap = the container port");

        assertEquals(LIVE, container.at("/livenessProbe/httpGet/path").asText());
        assertEquals(READY, container.at("/readinessProbe/httpGet/path").asText());
        assertEquals(
                LIVE,
                container.at("/startupProbe/httpGet/path").asText(),
                "the startup probe waits for liveness: readiness may take a whole state restore");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertEquals("http", container.at("/" + probe + "/httpGet/port").asText(), probe + " uses the named port");
        }
    }

    @Test
    void theEncryptionKeyComesFromASecretTheManifestsDefine() {
        JsonNode ref = env(ENCRYPTION_KEY)
                .map(e -> e.at("/valueFrom/secretKeyRef"))
                .filter(r -> !r.isMissingNode())
                .orElseGet(() -> fail(ENCRYPTION_KEY + " is not set from a secretKeyRef"));
        assertEquals(ENCRYPTION_KEY, ref.path("key").asText());
        JsonNode secret = named("Secret", ref.path("name").asText());
        assertTrue(
                ref.path("optional").asBoolean(),
                "optional: without the key the app reads Prefect's configuration table, as Prefect does");

        // a placeholder: no key is ever committed, not even an empty one (an empty key would be an invalid key)
        assertTrue(
                secret.path("data").isEmpty() && secret.path("stringData").isEmpty(),
                "the Secret in deploy/k8s carries no data");
        for (JsonNode e : container.path("env")) {
            JsonNode secretRef = e.at("/valueFrom/secretKeyRef");
            if (!secretRef.isMissingNode()) {
                named("Secret", secretRef.path("name").asText());
            }
            assertTrue(
                    e.path("value").isMissingNode()
                            || !isSecretName(e.path("name").asText()),
                    e.path("name").asText() + " is a secret: it comes from the Secret, not a literal");
        }
        assertTrue(
                env("KAFKA_SASL_JAAS_CONFIG").map(e -> e.has("valueFrom")).orElse(false),
                "KAFKA_SASL_JAAS_CONFIG comes from the Secret");
    }

    @Test
    void everyPrefectCdcVariableIsASetting() {
        Set<String> declared = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
        Set<String> used = new TreeSet<>(settings.keySet());
        container.path("env").forEach(e -> used.add(e.path("name").asText()));
        List<String> unknown = used.stream()
                .filter(n -> n.startsWith("PREFECT_CDC_") && !declared.contains(n))
                .toList();
        assertEquals(List.of(), unknown, "PREFECT_CDC_* variables that no Setting declares");
        assertFalse(
                settings.containsKey(Setting.CONFIG_FILE.env())
                        && settings.get(Setting.CONFIG_FILE.env()).isBlank(),
                "an empty " + Setting.CONFIG_FILE.env() + " is noise");

        Set<String> kafkaKeys = kafkaClientKeys();
        for (String name : used) {
            if (name.startsWith("KAFKA_")) {
                String key = name.substring("KAFKA_".length())
                        .toLowerCase(Locale.ROOT)
                        .replace('_', '.');
                assertTrue(kafkaKeys.contains(key), name + " names no Kafka client setting (" + key + ")");
            }
        }
    }

    @Test
    void theConfigMapIsTheGeneratedOneAndHoldsNoSecret() {
        String generated = onlyElement(kustomization.path("configMapGenerator"), "configMapGenerator")
                .path("name")
                .asText();
        List<String> refs = new ArrayList<>();
        container
                .path("envFrom")
                .forEach(e -> refs.add(e.at("/configMapRef/name").asText()));
        assertEquals(List.of(generated), refs, "the container's envFrom is the generated ConfigMap");
        settings.keySet().forEach(k -> assertFalse(isSecretName(k), k + " belongs in the Secret, not the ConfigMap"));
    }

    @Test
    void theStateVolumeIsMountedAtTheStateDirAndTmpIsWritable() {
        String stateDir = settings.getOrDefault(Setting.STATE_DIR.env(), Setting.STATE_DIR.defaultValue());
        JsonNode claim = onlyElement(statefulSet.at("/spec/volumeClaimTemplates"), "volumeClaimTemplate");
        assertEquals(
                stateDir,
                mountPath(claim.at("/metadata/name").asText()),
                "the persistent volume is mounted at " + Setting.STATE_DIR.env());
        assertTrue(claim.at("/spec/resources/requests/storage").isTextual(), "the state volume has a size");

        JsonNode tmp = volume(mountPathOwner("/tmp"));
        assertTrue(tmp.has("emptyDir"), "/tmp is an emptyDir: the root file system is read-only");
    }

    @Test
    void theGracePeriodOutlastsTheShutdownTimeout() {
        Duration shutdown = Duration.parse(
                settings.getOrDefault(Setting.SHUTDOWN_TIMEOUT.env(), Setting.SHUTDOWN_TIMEOUT.defaultValue()));
        long grace = podSpec.path("terminationGracePeriodSeconds").asLong(30);
        // the app gives Kafka Streams the timeout, then itself five seconds more before it exits anyway
        assertTrue(
                grace > shutdown.toSeconds() + 5,
                "terminationGracePeriodSeconds " + grace + " must outlast the shutdown timeout " + shutdown + " + 5 s");
        assertTrue(grace > 30);
    }

    @Test
    void runsAsTheImagesNonRootUserWithAReadOnlyRoot() throws IOException {
        JsonNode pod = podSpec.path("securityContext");
        JsonNode own = container.path("securityContext");
        assertTrue(pod.path("runAsNonRoot").asBoolean(), "pod runAsNonRoot");
        assertTrue(own.path("runAsNonRoot").asBoolean(true), "container does not undo runAsNonRoot");
        assertNotEquals(0, pod.path("runAsUser").asInt(0));
        assertEquals(pod.path("runAsUser").asInt(), pod.path("fsGroup").asInt(), "the state volume is group-writable");
        assertTrue(own.path("readOnlyRootFilesystem").asBoolean(), "readOnlyRootFilesystem");
        assertFalse(own.path("allowPrivilegeEscalation").asBoolean(true), "allowPrivilegeEscalation: false");
        assertEquals(List.of("ALL"), texts(own.at("/capabilities/drop")));

        // the image runs as the same numeric user (the Jib profile in streams-app/pom.xml)
        String pom = Files.readString(ProjectPaths.root().resolve("streams-app/pom.xml"), StandardCharsets.UTF_8);
        Matcher user = Pattern.compile("<user>(\\d+):(\\d+)</user>").matcher(pom);
        assertTrue(user.find(), "the image profile sets a numeric <user>");
        assertEquals(user.group(1), pod.path("runAsUser").asText(), "runAsUser = the image's user");
        assertEquals(user.group(2), pod.path("runAsGroup").asText(), "runAsGroup = the image's group");
    }

    @Test
    void memoryRequestEqualsTheLimitTheJvmSizesItselfBy() {
        JsonNode resources = container.path("resources");
        String limit = resources.at("/limits/memory").asText("");
        assertFalse(limit.isEmpty(), "a memory limit: the heap is MaxRAMPercentage of it");
        assertEquals(limit, resources.at("/requests/memory").asText(), "memory request = limit");
        assertTrue(resources.at("/requests/cpu").isTextual(), "a CPU request");
    }

    @Test
    void theDisruptionBudgetAndTheServiceSelectTheWorkload() {
        Map<String, String> podLabels = strings(statefulSet.at("/spec/template/metadata/labels"));
        assertContains(podLabels, strings(statefulSet.at("/spec/selector/matchLabels")), "StatefulSet selector");

        JsonNode pdb = only("PodDisruptionBudget");
        Map<String, String> pdbSelector = strings(pdb.at("/spec/selector/matchLabels"));
        assertFalse(pdbSelector.isEmpty(), "the PodDisruptionBudget selects by labels");
        assertContains(podLabels, pdbSelector, "PodDisruptionBudget selector");

        JsonNode service = named("Service", statefulSet.at("/spec/serviceName").asText());
        assertContains(podLabels, strings(service.at("/spec/selector")), "Service selector");
        JsonNode port = onlyElement(service.at("/spec/ports"), "Service port");
        assertEquals("http", port.path("targetPort").asText(), "the Service targets the named container port");
        assertEquals(
                "true",
                service.at("/metadata/annotations/prometheus.io~1scrape").asText());
        assertEquals(
                container.at("/ports/0/containerPort").asText(),
                service.at("/metadata/annotations/prometheus.io~1port").asText());
        assertEquals(
                METRICS, service.at("/metadata/annotations/prometheus.io~1path").asText());
    }

    @Test
    void kafkaServiceLinksCannotLeakIntoTheClientPassthrough() {
        assertFalse(
                podSpec.path("enableServiceLinks").asBoolean(true),
                "enableServiceLinks: false, or a Service named kafka defines KAFKA_PORT, KAFKA_SERVICE_HOST, …");
    }

    /** With kubectl on the machine: kustomize renders, and the generated ConfigMap's hashed name is wired in. */
    @Test
    void kustomizeRendersTheManifests() throws Exception {
        Optional<Path> kubectl = onPath("kubectl");
        assumeTrue(kubectl.isPresent(), "kubectl is not installed");
        Process process = new ProcessBuilder(kubectl.get().toString(), "kustomize", K8S.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize did not finish");
        assertEquals(0, process.exitValue(), "kubectl kustomize deploy/k8s failed");
        List<JsonNode> rendered = readAll(new String(out, StandardCharsets.UTF_8));
        JsonNode configMap = rendered.stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap"))
                .findFirst()
                .orElseGet(() -> fail("no ConfigMap rendered"));
        JsonNode sts = rendered.stream()
                .filter(o -> o.path("kind").asText().equals("StatefulSet"))
                .findFirst()
                .orElseGet(() -> fail("no StatefulSet rendered"));
        assertEquals(
                configMap.at("/metadata/name").asText(),
                sts.at("/spec/template/spec/containers/0/envFrom/0/configMapRef/name")
                        .asText());
        assertTrue(sts.at("/spec/template/spec/containers/0/image").asText().startsWith("prefect-lifecycle-cdc:"));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static boolean isSecretName(String variable) {
        return variable.equals(ENCRYPTION_KEY)
                || variable.contains("PASSWORD")
                || variable.contains("JAAS")
                || variable.contains("SECRET");
    }

    private static Set<String> kafkaClientKeys() {
        Set<String> keys = new HashSet<>(StreamsConfig.configDef().names());
        keys.addAll(ConsumerConfig.configNames());
        keys.addAll(ProducerConfig.configNames());
        keys.addAll(AdminClientConfig.configNames());
        return keys;
    }

    private Map<String, String> configMapLiterals() {
        JsonNode generator = onlyElement(kustomization.path("configMapGenerator"), "configMapGenerator");
        Map<String, String> literals = new LinkedHashMap<>();
        for (String literal : texts(generator.path("literals"))) {
            int eq = literal.indexOf('=');
            assertTrue(eq > 0, "literal " + literal + " is not NAME=value");
            assertTrue(
                    literals.put(literal.substring(0, eq), literal.substring(eq + 1)) == null,
                    literal.substring(0, eq) + " twice");
        }
        return literals;
    }

    private Optional<JsonNode> env(String name) {
        return stream(container.path("env"))
                .filter(e -> e.path("name").asText().equals(name))
                .findFirst();
    }

    private String mountPath(String volume) {
        return stream(container.path("volumeMounts"))
                .filter(m -> m.path("name").asText().equals(volume))
                .map(m -> m.path("mountPath").asText())
                .findFirst()
                .orElseGet(() -> fail("volume " + volume + " is not mounted"));
    }

    private String mountPathOwner(String path) {
        return stream(container.path("volumeMounts"))
                .filter(m -> m.path("mountPath").asText().equals(path))
                .map(m -> m.path("name").asText())
                .findFirst()
                .orElseGet(() -> fail("nothing is mounted at " + path));
    }

    private JsonNode volume(String name) {
        return stream(podSpec.path("volumes"))
                .filter(v -> v.path("name").asText().equals(name))
                .findFirst()
                .orElseGet(() -> fail("no volume " + name));
    }

    private JsonNode only(String kind) {
        List<JsonNode> found = objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .toList();
        assertEquals(1, found.size(), "one " + kind + " in deploy/k8s");
        return found.get(0);
    }

    private JsonNode named(String kind, String name) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind)
                        && o.at("/metadata/name").asText().equals(name))
                .findFirst()
                .orElseGet(() -> fail("deploy/k8s defines no " + kind + " named '" + name + "'"));
    }

    private static void assertContains(Map<String, String> labels, Map<String, String> selector, String what) {
        assertFalse(selector.isEmpty(), what + " is empty");
        selector.forEach((k, v) -> assertEquals(v, labels.get(k), what + " " + k + "=" + v + " is not a pod label"));
    }

    private static JsonNode onlyElement(JsonNode array, String what) {
        assertEquals(1, array.size(), "one " + what);
        return array.get(0);
    }

    private static List<String> texts(JsonNode array) {
        return stream(array).map(JsonNode::asText).toList();
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false);
    }

    private static List<JsonNode> readManifests() {
        try (Stream<Path> list = Files.list(K8S)) {
            List<JsonNode> all = new ArrayList<>();
            for (Path file :
                    list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                if (!file.getFileName().toString().equals("kustomization.yaml")) {
                    all.addAll(readAll(Files.readString(file, StandardCharsets.UTF_8)));
                }
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readOne(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> readAll(String yaml) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            return docs.readAll().stream()
                    .filter(d -> d != null && !d.isNull() && !d.isMissingNode())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<Path> onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Arrays.stream(path.split(java.io.File.pathSeparator))
                .map(d -> Path.of(d, command))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
