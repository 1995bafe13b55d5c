package io.prefectlifecycle.it;

import io.prefectlifecycle.cli.TailCommand;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.tail.LifecycleEventConsumer;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import io.prefectlifecycle.testsupport.CdcCapture;
import io.prefectlifecycle.testsupport.GoldenEventsTopic;
import io.prefectlifecycle.testsupport.KafkaBroker;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.test.TestRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tail} against a real broker: the 42 events of the real Debezium capture (through {@code transform}) in the
 * events topic, written in Kafka transactions as the app writes them, plus an aborted transaction whose event must
 * not show and a second copy of one event (same id) that must show once. The same events as Avro (the app's
 * {@code --format avro} bytes, a real Apicurio 2.6 registry) print as their JSON, filter alike, and wait out a registry
 * outage.
 */
class TailIT {
    private static final String TOPIC = TopologySettings.DEFAULT_EVENTS_TOPIC;
    private static final String NEW_EVENTS_TOPIC = "prefect.lifecycle-events.tail-it-new";
    private static final String SOURCES_TOPIC = "prefect.lifecycle-events.tail-it-sources";
    private static final String DB_URL = "prefect.variable.5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";

    @RegisterExtension
    static final KafkaBroker kafka = new KafkaBroker();

    private static List<String> events;
    private static KafkaProducer<byte[], byte[]> producer;

    @BeforeAll
    static void writeEvents() throws Exception {
        events = capturedEvents();
        assertEquals(42, events.size());
        kafka.createTopics(List.of(TOPIC, NEW_EVENTS_TOPIC, SOURCES_TOPIC));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tail-it");
        producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();

        producer.beginTransaction();
        events.subList(0, 20).forEach(TailIT::send);
        producer.commitTransaction();

        producer.beginTransaction();
        send(events.get(0).replace("db_url", "rolled_back").replace("\"id\":\"01", "\"id\":\"02"));
        producer.flush();
        producer.abortTransaction();

        producer.beginTransaction();
        events.subList(20, events.size()).forEach(TailIT::send);
        send(events.get(0)); // the same event again, as a replay into the live topic writes it
        producer.commitTransaction();
    }

    @AfterAll
    static void stop() {
        if (producer != null) {
            producer.close();
        }
    }

    @Test
    void prefixesAndNegationsOnEventNames() throws Exception {
        assertEquals(
                List.of(
                        "2026-11-26T19:02:50.767460Z prefect.block-document.created prefect.block-document.7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d prod-db-creds",
                        "2026-11-26T19:02:50.775932Z prefect.block-document.created prefect.block-document.00000000-0000-4000-8000-000000000403 big-doc",
                        "2026-11-26T19:02:50.776767Z prefect.block-document.updated prefect.block-document.00000000-0000-4000-8000-000000000403 big-doc",
                        "2026-11-26T19:02:50.778398Z prefect.block-document.created prefect.block-document.00000000-0000-4000-8000-000000000404 two-step",
                        "2026-11-26T19:02:50.779601Z prefect.block-document.updated prefect.block-document.7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d prod-db-creds",
                        "2026-11-26T19:02:50.781089Z prefect.block-document.created prefect.block-document.00000000-0000-4000-8000-000000000405 doomed-doc"),
                tail(
                        "--event",
                        "prefect.block-document.*",
                        "--event",
                        "!prefect.block-document.deleted",
                        "--output",
                        "text"));
    }

    @Test
    void jsonIsTheStoredBytesAndAnAbortedEventNeverShows() throws Exception {
        assertEquals(events.subList(0, 12), tail("--resource-id-prefix", "prefect.variable."));
        List<String> all = tail("--output", "text");
        assertEquals(42, all.size(), "every committed event once: the aborted one is not read, the copy is dropped");
        assertTrue(all.stream().noneMatch(line -> line.contains("rolled_back")));
    }

    @Test
    void aSecondCopyOfAnEventShowsOnceUnlessDeduplicationIsOff() throws Exception {
        String created = "2026-11-26T19:02:50.740167Z prefect.variable.created " + DB_URL + " db_url";
        String deleted = "2026-11-26T19:02:50.756451Z prefect.variable.deleted " + DB_URL + " db_url";
        assertEquals(List.of(created, deleted), tail("--resource-id", DB_URL, "--output", "text"));
        assertEquals(
                List.of(created, deleted, created),
                tail("--resource-id", DB_URL, "--output", "text", "--dedupe-window", "0"));
    }

    @Test
    void relatedResourcesAndOccurredBounds() throws Exception {
        assertEquals(
                List.of("2026-11-26T19:02:50.781089Z prefect.block-document.created "
                        + "prefect.block-document.00000000-0000-4000-8000-000000000405 doomed-doc"),
                tail(
                        "--related-id",
                        "prefect.block-type.00000000-0000-4000-8000-000000000202",
                        "--related-role",
                        "block-type",
                        "--output",
                        "text"));
        assertEquals(
                List.of(),
                tail(
                        "--related-id",
                        "prefect.block-type.00000000-0000-4000-8000-000000000202",
                        "--related-role",
                        "block-schema",
                        "--output",
                        "text"));
        assertEquals(
                List.of(
                        "2026-11-26T19:02:50.785205Z prefect.concurrency-limit.created prefect.concurrency-limit.c0ffee00-1234-4abc-9def-0123456789ab tag:database",
                        "2026-11-26T19:02:50.785578Z prefect.concurrency-limit.created prefect.concurrency-limit.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d api-rate",
                        "2026-11-26T19:02:50.789272Z prefect.concurrency-limit.updated prefect.concurrency-limit.1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d api-rate"),
                tail(
                        "--since",
                        "2026-11-26T19:02:50.785205Z",
                        "--until",
                        "2026-11-26T20:02:50.789272+01:00",
                        "--output",
                        "text"));
        assertEquals(
                List.of("2026-11-26T19:02:50.799907Z prefect.automation.created "
                        + "prefect.automation.a3b4c5d6-e7f8-4091-a2b3-c4d5e6f70819 Notify on failure"),
                tail(
                        "--resource-label",
                        "prefect.resource.name=Notify*",
                        "--event",
                        "prefect.automation.created",
                        "--output",
                        "text"));
    }

    /**
     * Work-pool, work-queue and deployment events (two golden cases captured by ObjectEventsIT, through
     * {@code transform}) in a topic of their own: by kind, by a pool's type label, by related role.
     */
    @Test
    void workPoolQueueAndDeploymentEventsFilterByKindLabelAndRole() throws Exception {
        String objectsTopic = "prefect.lifecycle-events.tail-it-objects";
        kafka.createTopics(List.of(objectsTopic));
        List<String> objectEvents = transformed(
                "work-pool/deleted-queues-first-by-priority", "deployment/deleted-as-before-the-transaction");
        producer.beginTransaction();
        objectEvents.forEach(event -> send(objectsTopic, event));
        producer.commitTransaction();

        List<String> pools = tail("--topic", objectsTopic, "--event", "prefect.work-pool.*", "--output", "text");
        assertEquals(
                List.of(
                        "prefect.work-pool.created",
                        "prefect.work-pool.updated",
                        "prefect.work-pool.deleted",
                        "prefect.work-pool.created"),
                pools.stream().map(line -> line.split(" ")[1]).toList());
        assertEquals(
                objectEvents.stream()
                        .filter(e -> e.contains("\"event\":\"prefect.work-pool."))
                        .toList(),
                tail("--topic", objectsTopic, "--resource-label", "prefect.work-pool.type=kubernetes"),
                "the pools' own events, as stored");
        assertEquals(
                List.of(
                        "prefect.work-queue.deleted high-priority",
                        "prefect.work-queue.deleted default",
                        "prefect.work-queue.deleted batch"),
                tail(
                                "--topic",
                                objectsTopic,
                                "--event",
                                "prefect.work-queue.deleted",
                                "--resource-id-prefix",
                                "prefect.work-queue.00000105-",
                                "--output",
                                "text")
                        .stream()
                        .map(line -> line.split(" ")[1] + " " + line.split(" ")[3])
                        .toList());
        assertEquals(
                List.of("prefect.deployment.created nightly", "prefect.deployment.deleted nightly"),
                tail("--topic", objectsTopic, "--related-role", "concurrency-limit", "--output", "text").stream()
                        .map(line -> line.split(" ")[1] + " " + line.split(" ")[3])
                        .toList());
    }

    @Test
    void sourcesAreToldApartByTheirHeader() throws Exception {
        producer.beginTransaction();
        send(SOURCES_TOPIC, events.get(0), "prod");
        send(SOURCES_TOPIC, events.get(1), "staging");
        send(SOURCES_TOPIC, events.get(2), null); // written before sources: no header
        send(SOURCES_TOPIC, events.get(3), "staging");
        producer.commitTransaction();
        assertEquals(List.of(events.get(1), events.get(3)), tail("--topic", SOURCES_TOPIC, "--source", "staging"));
        assertEquals(
                List.of(events.get(0), events.get(1), events.get(3)),
                tail("--topic", SOURCES_TOPIC, "--source", "staging", "--source", "prod"));
        assertEquals(4, tail("--topic", SOURCES_TOPIC).size(), "without --source: every event");
    }

    @Test
    void maxEventsStopsEarly() throws Exception {
        assertEquals(events.subList(0, 2), tailWithoutEnd("--from-beginning", "--max-events", "2"));
    }

    @Test
    void withoutFromBeginningOnlyNewEventsShow() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        TailCommand command = parse(
                "--bootstrap-servers",
                kafka.bootstrapServers(),
                "--topic",
                NEW_EVENTS_TOPIC,
                "--max-events",
                "1",
                "--event",
                "prefect.flow.*");
        CompletableFuture<Long> running = CompletableFuture.supplyAsync(() -> {
            try {
                return command.tailer(out, new PrintStream(err, true, StandardCharsets.UTF_8), Map.of())
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Awaitility.await("tail at the end")
                .atMost(Duration.ofSeconds(30))
                .until(() -> err.toString(StandardCharsets.UTF_8).contains("from the end"));
        String later = events.get(12).replace("etl-nightly", "etl-hourly").replace("\"id\":\"01", "\"id\":\"03");
        producer.beginTransaction();
        send(NEW_EVENTS_TOPIC, events.get(0)); // not a flow event: filtered out
        send(NEW_EVENTS_TOPIC, later);
        producer.commitTransaction();
        assertEquals(1L, running.get(30, TimeUnit.SECONDS));
        assertEquals(
                List.of(later), out.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void theJavaConsumerOfDocsConsumersMdSeesEachCommittedEventOnce() throws Exception {
        List<String> handled = Collections.synchronizedList(new ArrayList<>());
        KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(LifecycleEventConsumer.properties(kafka.bootstrapServers(), "consumer-example-it"));
        CompletableFuture<Void> running = CompletableFuture.runAsync(() -> LifecycleEventConsumer.consume(
                consumer, event -> handled.add(event.get("id").asText())));
        Awaitility.await("42 events").atMost(Duration.ofSeconds(60)).until(() -> handled.size() >= 42);
        consumer.wakeup();
        running.get(30, TimeUnit.SECONDS);
        List<String> ids = events.stream()
                .map(e -> e.replaceFirst("^.*\"id\":\"([^\"]+)\".*$", "$1"))
                .toList();
        assertTrue(handled.containsAll(ids), "every committed event");
        assertEquals(Set.copyOf(handled).size(), handled.size(), "each id once");
        assertTrue(handled.stream().noneMatch(id -> id.startsWith("02")), "not the aborted one");
    }

    /**
     * Avro events, as the app writes them with {@code --format avro} (the capture through the topology, against a real
     * registry: Apicurio 2.6), read back: each printed as its JSON event, the filters applied alike.
     */
    @Test
    void avroEventsPrintAsTheirJsonAndFilterAlike() throws Exception {
        String avroTopic = "prefect.lifecycle-events.tail-it-avro";
        ApicurioRegistry registry = ApicurioRegistry.shared();
        kafka.createTopics(List.of(avroTopic));
        List<TestRecord<byte[], byte[]>> records = avroEvents(registry);
        assertEquals(events.size(), records.size());
        assertTrue(records.stream().allMatch(r -> ConfluentWireFormat.isFramed(r.value())), "Avro events");
        producer.beginTransaction();
        records.forEach(r -> producer.send(new ProducerRecord<>(avroTopic, null, r.key(), r.value(), r.headers())));
        producer.commitTransaction();

        String url = registry.ccompatUrl().toString();
        assertEquals(
                events,
                tail("--topic", avroTopic, "--schema-registry-url", url),
                "each Avro event printed as the JSON event");
        assertEquals(
                tail(
                        "--event",
                        "prefect.block-document.*",
                        "--event",
                        "!prefect.block-document.deleted",
                        "--output",
                        "text"),
                tail(
                        "--topic",
                        avroTopic,
                        "--schema-registry-url",
                        url,
                        "--event",
                        "prefect.block-document.*",
                        "--event",
                        "!prefect.block-document.deleted",
                        "--output",
                        "text"));
        assertEquals(
                events.subList(0, 12),
                tail("--topic", avroTopic, "--schema-registry-url", url, "--resource-id-prefix", "prefect.variable."));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        parse(
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--topic",
                        avroTopic,
                        "--from-beginning",
                        "--exit-at-end")
                .tailer(out, new PrintStream(err, true, StandardCharsets.UTF_8), Map.of())
                .run();
        assertEquals("", out.toString(StandardCharsets.UTF_8), "without a registry nothing can be read");
        assertTrue(
                err.toString(StandardCharsets.UTF_8)
                        .contains("tail: skipped " + avroTopic + "-0@0: an Avro event: "
                                + "give --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL) to read it"),
                err.toString());
    }

    /** A registry that does not answer makes tail wait on the event, not skip it; it prints all once it is back. */
    @Test
    void aRegistryOutageMakesTailWaitNotSkip() throws Exception {
        String avroTopic = "prefect.lifecycle-events.tail-it-avro-outage";
        try (ApicurioRegistry registry = ApicurioRegistry.launch()) {
            kafka.createTopics(List.of(avroTopic));
            List<TestRecord<byte[], byte[]>> records = avroEvents(registry);
            producer.beginTransaction();
            records.forEach(r -> producer.send(new ProducerRecord<>(avroTopic, null, r.key(), r.value(), r.headers())));
            producer.commitTransaction();

            registry.stop();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            TailCommand command = parse(
                    "--bootstrap-servers",
                    kafka.bootstrapServers(),
                    "--topic",
                    avroTopic,
                    "--schema-registry-url",
                    registry.ccompatUrl().toString(),
                    "--from-beginning",
                    "--exit-at-end");
            CompletableFuture<Long> printed = CompletableFuture.supplyAsync(() -> {
                try {
                    return command.tailer(out, new PrintStream(err, true, StandardCharsets.UTF_8), Map.of())
                            .run();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            Awaitility.await("tail waits for the registry")
                    .atMost(Duration.ofSeconds(60))
                    .until(() ->
                            err.toString(StandardCharsets.UTF_8).contains("tail: waiting for the schema registry: "));
            assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing printed, nothing skipped");
            assertTrue(!err.toString(StandardCharsets.UTF_8).contains("skipped"), err.toString());

            registry.start();
            assertEquals(events.size(), printed.get(90, TimeUnit.SECONDS));
            assertEquals(events, out.toString(StandardCharsets.UTF_8).lines().toList());
        }
    }

    /** The capture's events as the app writes them with --format avro, through {@code registry}. */
    private static List<TestRecord<byte[], byte[]>> avroEvents(ApicurioRegistry registry) {
        TopologySettings avro = TopologySettings.defaults()
                .withEventFormat(
                        EventFormat.AVRO, Optional.of(new SchemaRegistrySettings(registry.ccompatUrl(), true)));
        try (TopologyHarness harness = new TopologyHarness(avro)) {
            harness.pipeFile(CdcCapture.FULL_SCENARIO);
            harness.endInput();
            return harness.rawEvents();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs tail from the beginning to the end as of start, in-process, and returns its stdout lines. */
    private static List<String> tail(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--from-beginning", "--exit-at-end"));
        return tailWithoutEnd(all.toArray(String[]::new));
    }

    private static List<String> tailWithoutEnd(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        parse(all.toArray(String[]::new))
                .tailer(out, new PrintStream(err, true, StandardCharsets.UTF_8), Map.of())
                .run();
        int topicFlag = all.indexOf("--topic");
        String topic = topicFlag < 0 ? TOPIC : all.get(topicFlag + 1);
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("tail: reading " + topic + " "), err.toString());
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static TailCommand parse(String... args) {
        TailCommand command = new TailCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    private static void send(String event) {
        send(TOPIC, event);
    }

    private static void send(String topic, String event) {
        send(topic, event, null);
    }

    /** @param source the {@code prefect.cdc.source} header, or none */
    private static void send(String topic, String event, String source) {
        var record = GoldenEventsTopic.record(topic, event);
        if (source != null) {
            record.headers().add(TopologySettings.SOURCE_HEADER, source.getBytes(StandardCharsets.UTF_8));
        }
        producer.send(record);
    }

    /** The events of golden cases' inputs (golden/<kind>/<case>), through {@code transform}, in order. */
    private static List<String> transformed(String... cases) throws Exception {
        return GoldenEventsTopic.ofGoldenCases(cases);
    }

    /** The events of the real Debezium capture, as the pipeline writes them. */
    private static List<String> capturedEvents() throws Exception {
        return GoldenEventsTopic.captured();
    }
}
