package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.pipeline.EncryptionKeys;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** The streams application against an existing Kafka cluster. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the Kafka Streams application against an existing Kafka cluster.")
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS). Default: ${DEFAULT-VALUE}.")
    String bootstrapServers;

    @Option(names = "--application-id", defaultValue = "prefect-lifecycle-cdc",
            description = "Kafka Streams application.id. Default: ${DEFAULT-VALUE}.")
    String applicationId;

    @Option(names = "--topic-prefix", defaultValue = "prefect", description = "Debezium topic.prefix. Default: ${DEFAULT-VALUE}.")
    String topicPrefix;

    @Option(names = "--events-topic", defaultValue = TopologySettings.DEFAULT_EVENTS_TOPIC,
            description = "Output topic. Default: ${DEFAULT-VALUE}.")
    String eventsTopic;

    @Option(names = "--dead-letter-topic", defaultValue = TopologySettings.DEFAULT_DEAD_LETTER_TOPIC,
            description = "Dead-letter topic. Default: ${DEFAULT-VALUE}.")
    String deadLetterTopic;

    @Option(names = "--state-dir", defaultValue = "${java.io.tmpdir}/prefect-lifecycle-cdc",
            description = "Kafka Streams state directory. Default: ${DEFAULT-VALUE}.")
    Path stateDir;

    @Option(names = "--emit-snapshot-reads", description = "Emit snapshot reads (op r) as created events.")
    boolean emitSnapshotReads;

    @Option(names = "--transaction-timeout", defaultValue = "PT5S",
            description = "How long a transaction may wait for its END record and changes before it is emitted "
                    + "with what arrived (ISO-8601). Default: ${DEFAULT-VALUE}.")
    Duration transactionTimeout;

    @Override
    public Integer call() throws Exception {
        TopologySettings settings = new TopologySettings(topicPrefix, "public", eventsTopic, deadLetterTopic,
                EncryptionKeys.fromEnvironment(System.getenv()), emitSnapshotReads, transactionTimeout);
        try (StreamsApp app = StreamsApp.start(settings, StreamsApp.properties(bootstrapServers, applicationId, stateDir))) {
            Runtime.getRuntime().addShutdownHook(new Thread(app::close, "shutdown"));
            app.awaitTermination();
        }
        return 0;
    }
}
