package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.stream.EncryptionKeys;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * Everything in one process tree: PostgreSQL with Prefect's tables, a KRaft broker, a Connect worker running the
 * Debezium connector from {@code connect-config/}, and the app. Events on stdout, readiness on stderr.
 */
@Command(name = "local", mixinStandardHelpOptions = true,
        description = {"Run PostgreSQL (with Prefect's tables), Kafka, Kafka Connect with Debezium and the app in one",
            "process tree. Prints each event as a JSON line on stdout; readiness (JDBC URL, bootstrap servers) on",
            "stderr. Ctrl-C stops everything and drops the replication slot.",
            "--format avro writes Avro events through a schema registry you run (local starts none; give",
            "--schema-registry-url) and prints them read back as JSON."})
public final class LocalCommand implements Callable<Integer> {

    @Option(names = "--emit-snapshot-reads", description = "Emit snapshot reads (op r) as created events.")
    boolean emitSnapshotReads;

    @Mixin
    EventFormatOptions eventFormat = new EventFormatOptions();

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        Optional<String> problem = optionsProblem(System.getenv());
        if (problem.isPresent()) {
            err.println(problem.get());
            return 2;
        }
        EventFormat format = eventFormat.format(System.getenv());
        Optional<SchemaRegistrySettings> registry = eventFormat.registry(System.getenv());
        // the printed line is JSON either way: Avro events are read back through the registry they were written with
        Optional<AvroEventDecoder> avroEvents = format == EventFormat.AVRO
                ? registry.map(r -> new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(r.url()))))
                : Optional.empty();
        CountDownLatch stopped = new CountDownLatch(1);
        LocalStack stack = LocalStack.start();
        Path stateDir = Files.createTempDirectory("prefect-lifecycle-cdc-local");
        StreamsApp app = null;
        KafkaConsumer<byte[], byte[]> consumer = null;
        try {
            stack.registerConnector();
            TopologySettings defaults = TopologySettings.defaults();
            TopologySettings settings = new TopologySettings(stack.cdcTopic(), defaults.eventsTopic(),
                    defaults.deadLetterTopic(), EncryptionKeys.fromEnvironment(System.getenv()), emitSnapshotReads)
                    .withEventFormat(format, registry);
            stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            app = StreamsApp.start(settings, StreamsApp.properties(stack.bootstrapServers(), "prefect-lifecycle-cdc", stateDir));
            consumer = eventsConsumer(stack.bootstrapServers(), settings.eventsTopic());
            awaitRunning(app, Duration.ofSeconds(60));
            // a throwaway database: its password is printed so that psql can connect
            err.println("ready: database postgresql://" + stack.postgres().user() + ":" + stack.postgres().password()
                    + "@" + stack.postgres().host() + ":" + stack.postgres().port() + "/" + stack.postgres().dbname()
                    + " (JDBC " + stack.postgres().jdbcUrl() + ")");
            err.println("ready: kafka " + stack.bootstrapServers() + ", connect " + stack.connect().restUrl()
                    + ", events on " + settings.eventsTopic());
            KafkaConsumer<byte[], byte[]> printing = consumer;
            // on Ctrl-C/SIGTERM: stop printing, then hold the JVM until the stack below has been closed in order
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                printing.wakeup();
                try {
                    stopped.await(2, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "local-shutdown"));
            try {
                while (true) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                        out.println(avroEvents.isPresent() && ConfluentWireFormat.isFramed(record.value())
                                ? avroEvents.get().decode(record.value()).toJson()
                                : new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
            } catch (WakeupException e) {
                err.println("stopping");
            }
        } finally {
            long t0 = System.nanoTime();
            if (consumer != null) {
                consumer.close(Duration.ofSeconds(5));
            }
            if (app != null) {
                app.close();
            }
            err.println("app stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            stack.close();
            err.println("stopped in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            stopped.countDown();
        }
        return 0;
    }

    /** What is wrong with the options, checked before anything is started; empty when nothing is. */
    public Optional<String> optionsProblem(Map<String, String> env) {
        try {
            eventFormat.format(env);
            eventFormat.registry(env);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("local: " + e.getMessage() + (e.getMessage().contains("--schema-registry-url")
                    ? "; local starts no schema registry: give the Confluent-compatible URL of one you run" : ""));
        }
    }

    /** Ready means the app has its partitions: a change made after "ready" is not held up by the first rebalance. */
    private static void awaitRunning(StreamsApp app, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (app.state() != org.apache.kafka.streams.KafkaStreams.State.RUNNING && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static KafkaConsumer<byte[], byte[]> eventsConsumer(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        // no group: this reader only prints, it must not share or commit offsets
        consumer.assign(consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList());
        return consumer;
    }
}
