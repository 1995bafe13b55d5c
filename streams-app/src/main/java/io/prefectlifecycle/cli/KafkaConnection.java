package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.ClusterLogin;
import io.prefectlifecycle.app.KafkaClientSettings;
import org.apache.kafka.clients.CommonClientConfigs;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/** The Kafka connection options of the client commands ({@code replay}, {@code tail}), a picocli mixin. */
public final class KafkaConnection {

    private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(30);

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,…]",
            description = "Kafka bootstrap servers. Default: bootstrap.servers of --command-config, else "
                    + "PREFECT_CDC_BOOTSTRAP_SERVERS, else KAFKA_BOOTSTRAP_SERVERS, else localhost:9092.")
    String bootstrapServers;

    @Option(
            names = "--command-config",
            paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*, …), as for Kafka's own "
                    + "command-line tools. They win over KAFKA_<NAME> environment variables "
                    + "(KAFKA_SASL_JAAS_CONFIG → sasl.jaas.config).")
    Path commandConfig;

    /**
     * The cluster answers and takes the credentials: a wrong password, or no SASL settings for a SASL listener, fail
     * here in seconds with a line saying so, instead of the consumer retrying until its timeout.
     */
    void checkLogin(Properties clients) throws ClusterLogin.Failed, InterruptedException {
        ClusterLogin.check(clients, "--command-config or KAFKA_* environment variables", LOGIN_TIMEOUT);
    }

    /** Client properties: KAFKA_* variables, then PREFECT_CDC_BOOTSTRAP_SERVERS, the file, the flag; the later wins. */
    public Properties properties(Map<String, String> env) throws IOException {
        return properties(bootstrapServers, commandConfig, env);
    }

    public static Properties properties(String bootstrapFlag, Path commandConfig, Map<String, String> env)
            throws IOException {
        Properties props = new Properties();
        props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "localhost:9092");
        env.forEach((variable, value) -> KafkaClientSettings.keyOfEnv(variable)
                .filter(key -> !value.isBlank() && KafkaClientSettings.isKnown(key))
                .ifPresent(key -> props.setProperty(key, value)));
        String bootstrapFromEnv = env.get("PREFECT_CDC_BOOTSTRAP_SERVERS");
        if (bootstrapFromEnv != null && !bootstrapFromEnv.isBlank()) {
            props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapFromEnv);
        }
        if (commandConfig != null) {
            try (InputStream in = Files.newInputStream(commandConfig)) {
                props.load(in);
            } catch (IOException e) {
                throw new IOException("cannot read --command-config " + commandConfig + ": " + e.getMessage(), e);
            }
        }
        if (bootstrapFlag != null && !bootstrapFlag.isBlank()) {
            props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapFlag);
        }
        return props;
    }
}
