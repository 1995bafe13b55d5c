package io.prefectlifecycle.app;

import io.prefectlifecycle.local.LocalKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pre-flight failures a misconfigured pod meets first. */
class PreflightTest {

    @TempDir
    Path tmp;

    @Test
    void anUnreachableClusterFailsFastNamingTheSetting() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        AppConfig config = AppConfig.load(Map.of(), Map.of(Setting.BOOTSTRAP_SERVERS, "127.0.0.1:" + closedPort,
                Setting.STATE_DIR, tmp.toString()));
        long t0 = System.nanoTime();
        Preflight.Failed failed = assertThrows(Preflight.Failed.class,
                () -> Preflight.check(config, config.topologySettings(Map.of()), Duration.ofSeconds(2)));
        long seconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();
        assertTrue(failed.getMessage().startsWith("cannot reach the Kafka cluster at 127.0.0.1:" + closedPort
                + " (bootstrap.servers from flag --bootstrap-servers) within 2 s: "), failed.getMessage());
        assertTrue(seconds < 10, seconds + " s");
    }

    @Test
    void aPartitionedCdcTopicIsRefused() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(); Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic("prefect.public.variable", 2, (short) 1),
                    new NewTopic("prefect.public.flow", 1, (short) 1))).all().get();
            AppConfig config = AppConfig.load(Map.of(), Map.of(Setting.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
                    Setting.STATE_DIR, tmp.toString()));
            Preflight.Failed failed = assertThrows(Preflight.Failed.class,
                    () -> Preflight.check(config, config.topologySettings(Map.of()), Duration.ofSeconds(10)));
            assertEquals("CDC topics must have one partition each, so that one task sees every table and every "
                    + "transaction whole (docs/adr/0001): prefect.public.variable (2 partitions); recreate them with "
                    + "one partition (Debezium's topic.creation.default.partitions=1)", failed.getMessage());

            admin.deleteTopics(List.of("prefect.public.variable")).all().get();
            admin.createTopics(List.of(new NewTopic("prefect.public.variable", 1, (short) 1))).all().get();
            Preflight.check(config, config.topologySettings(Map.of()), Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnwritableStateDirectoryIsNamed() throws Exception {
        AppConfig config = AppConfig.load(Map.of("PREFECT_CDC_STATE_DIR", "/proc/prefect-lifecycle-cdc"), Map.of());
        Preflight.Failed failed = assertThrows(Preflight.Failed.class,
                () -> Preflight.check(config, config.topologySettings(Map.of()), Duration.ofSeconds(2)));
        assertTrue(failed.getMessage().startsWith("state.dir: cannot create /proc/prefect-lifecycle-cdc (from "
                + "environment variable PREFECT_CDC_STATE_DIR): "), failed.getMessage());
        assertTrue(failed.getMessage().endsWith("; mount a writable volume there or set --state-dir"),
                failed.getMessage());
    }
}
