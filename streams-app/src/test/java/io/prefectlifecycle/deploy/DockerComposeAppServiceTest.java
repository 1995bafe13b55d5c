package io.prefectlifecycle.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.prefectlifecycle.app.Setting;
import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** docker-compose.yml's {@code app} service runs the image the {@code image} profile builds, as the app expects. */
class DockerComposeAppServiceTest {

    private final JsonNode app;
    private final JsonNode environment;

    DockerComposeAppServiceTest() throws IOException {
        app = new YAMLMapper()
                .readTree(ProjectPaths.root().resolve("docker-compose.yml").toFile())
                .at("/services/app");
        environment = app.path("environment");
    }

    @Test
    void runsTheImageTheProfileBuilds() throws IOException {
        String pom = Files.readString(ProjectPaths.root().resolve("pom.xml"), StandardCharsets.UTF_8);
        Matcher version = Pattern.compile(
                        "<artifactId>prefect-lifecycle-cdc-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(pom);
        assertTrue(version.find());
        assertEquals(
                "prefect-lifecycle-cdc:" + version.group(1),
                app.path("image").asText(),
                "the tag jib:buildTar writes (prefect-lifecycle-cdc:${project.version})");
    }

    @Test
    void everyPrefectCdcVariableIsASetting() {
        Set<String> declared = Arrays.stream(Setting.values()).map(Setting::env).collect(Collectors.toSet());
        List<String> unknown = StreamSupport.stream(((Iterable<String>) environment::fieldNames).spliterator(), false)
                .filter(n -> n.startsWith("PREFECT_CDC_") && !declared.contains(n))
                .toList();
        assertEquals(List.of(), unknown, "PREFECT_CDC_* variables that no Setting declares");
    }

    @Test
    void theStateVolumeIsTheStateDir() {
        String stateDir = environment.path(Setting.STATE_DIR.env()).asText(Setting.STATE_DIR.defaultValue());
        boolean mounted = StreamSupport.stream(app.path("volumes").spliterator(), false)
                .anyMatch(v -> v.asText().endsWith(":" + stateDir));
        assertTrue(mounted, "a volume is mounted at " + stateDir);
    }

    @Test
    void theHealthcheckAsksForReadinessAndTheGracePeriodOutlastsTheShutdown() {
        String test = app.at("/healthcheck/test").toString();
        assertTrue(test.contains("/health/ready"), "healthcheck: " + test);
        Duration shutdown = Duration.parse(
                environment.path(Setting.SHUTDOWN_TIMEOUT.env()).asText(Setting.SHUTDOWN_TIMEOUT.defaultValue()));
        String grace = app.path("stop_grace_period").asText("10s");
        assertTrue(grace.matches("\\d+s"), "stop_grace_period in seconds: " + grace);
        assertTrue(
                Long.parseLong(grace.substring(0, grace.length() - 1)) > shutdown.toSeconds() + 5,
                "stop_grace_period " + grace + " outlasts the shutdown timeout " + shutdown + " + 5 s");
    }
}
