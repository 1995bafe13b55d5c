package io.prefectlifecycle.it;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalStack;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import io.prefectlifecycle.testsupport.ApicurioRegistry;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.CommittedRecords.Received;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.testsupport.PipelineScenario;
import io.prefectlifecycle.testsupport.PrefectScenario;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Avro in and out against a real registry (Apicurio 2.6, a child process): Debezium's records written by Apicurio's
 * AvroConverter ({@code connect-config/prefect-connector-avro.json}, Confluent wire format) feed the app, which writes
 * Avro events ({@code event.format=avro}); read back as JSON they must be exactly the events of the JSON pipeline.
 * And a registry outage must stall events, not lose or corrupt them.
 */
class AvroPipelineIT {

    @Test
    void everyCommittedPrefectWriteBecomesItsAvroEvent() throws Exception {
        PhaseTimings timings = new PhaseTimings("AvroPipelineIT");
        try (ApicurioRegistry registry = ApicurioRegistry.launch();
                LocalStack stack = LocalStack.start()) {
            timings.lap("registry and stack start");
            PipelineScenario.run(
                    "AvroPipelineIT",
                    PipelineScenario.Stack.inJvm(stack, avroConnector(registry)),
                    timings,
                    avroSettings(registry),
                    eventJson(registry));
        } finally {
            timings.print();
        }
    }

    /**
     * The registry goes down while the app is restarted (a deploy) and Prefect keeps writing: Connect passes changes
     * whose schemas it has cached, and its task fails on the first change of a new table (Apicurio's 2.6 converter
     * retries only HTTP 429); the restarted app, its caches cold, cannot read the changes nor register its schema, and
     * publishes nothing. Once the registry is back and the failed Connect task restarted (an operator's step; the app
     * needs none), every event arrives, once, in commit order, and nothing reaches the dead-letter topic.
     */
    @Test
    void aRegistryOutageStallsEventsAndLosesNone() throws Exception {
        try (ApicurioRegistry registry = ApicurioRegistry.launch();
                LocalStack stack = LocalStack.start();
                Connection db = stack.postgres().connect()) {
            TopologySettings settings = avroSettings(registry);
            stack.kafka().createTopics(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            String applicationId = "prefect-lifecycle-it-" + UUID.randomUUID();
            Path stateDir = Files.createTempDirectory("prefect-lifecycle-it-state-");
            // heartbeats every second: their schemas are registered before the outage, as in a long-running deployment
            ConnectorDefinition connector = avroConnector(registry).with(Map.of("heartbeat.interval.ms", "1000"));
            SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
            try (CommittedRecords events = new CommittedRecords(
                            stack.bootstrapServers(), settings.eventsTopic(), Map.of(), eventJson(registry));
                    CommittedRecords deadLetters =
                            new CommittedRecords(stack.bootstrapServers(), settings.deadLetterTopic())) {
                StreamsApp first = StreamsApp.start(
                        settings, StreamsApp.properties(stack.bootstrapServers(), applicationId, stateDir));
                stack.connect().registerConnector(connector, stack.postgres().coordinates(), Duration.ofSeconds(60));
                insertVariable(db, 1, "outage_a", "\"before\"");
                awaitEvents(events, 1);
                await("heartbeat schemas registered")
                        .atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> {
                            List<String> subjects = registry.artifactIds();
                            assertTrue(
                                    subjects.stream().anyMatch(s -> s.contains("__debezium-heartbeat"))
                                            && subjects.stream().anyMatch(s -> s.contains("prefect_cdc_heartbeat")),
                                    subjects::toString);
                        });
                first.close(Duration.ofSeconds(30), true); // leave the group: the next instance takes over at once

                registry.stop();
                long outageStart = System.nanoTime();
                StreamsApp second = StreamsApp.start(
                        settings, StreamsApp.properties(stack.bootstrapServers(), applicationId, stateDir));
                try {
                    sql(
                            db,
                            "UPDATE variable SET value = '\"during\"'::jsonb, updated = now() WHERE id = ?::uuid",
                            PrefectScenario.id(801));
                    insertVariable(db, 2, "outage_b", "\"during\"");
                    sql(
                            db,
                            "INSERT INTO flow (id, name, tags) VALUES (?::uuid, 'outage_flow', '[]')",
                            PrefectScenario.id(803));
                    // the variable changes' schemas are cached; the flow table's first record needs the registry
                    await("Apicurio's converter fails the task on a schema it must register")
                            .atMost(Duration.ofSeconds(30))
                            .until(() -> "FAILED"
                                    .equals(stack.connect()
                                            .connectorStatus(connector.name())
                                            .path("tasks")
                                            .path(0)
                                            .path("state")
                                            .asText()));
                    await("events stall while the registry is down")
                            .during(Duration.ofSeconds(6))
                            .atMost(Duration.ofSeconds(8))
                            .pollInSameThread()
                            .until(() -> {
                                events.poll(Duration.ofMillis(100));
                                return events.all().size() == 1;
                            });
                    assertTrue(
                            isAlive(second.streams().state()),
                            "the app waits, it does not die: "
                                    + second.streams().state());

                    registry.start();
                    stack.connect().restartFailedTasks(connector.name(), Duration.ofSeconds(60));
                    long back = System.nanoTime();
                    List<Received> all = awaitEvents(events, 4);
                    System.out.printf(
                            "AvroPipelineIT: registry down for %.1f s; the events %.1f s after it was back%n",
                            (back - outageStart) / 1e9, (System.nanoTime() - back) / 1e9);
                    List<String> names = new ArrayList<>();
                    Set<String> ids = new HashSet<>();
                    for (Received event : all) {
                        String json = event.value();
                        names.add(field(json, "event") + " " + field(json, "prefect.resource.name"));
                        assertTrue(ids.add(field(json, "id")), "duplicate event " + json);
                    }
                    assertEquals(
                            List.of(
                                    "prefect.variable.created outage_a",
                                    "prefect.variable.updated outage_a",
                                    "prefect.variable.created outage_b",
                                    "prefect.flow.created outage_flow"),
                            names);
                    assertTrue(
                            all.get(1).value().contains("\"payload\":{\"name\":\"outage_a\",\"value\":\"during\""),
                            all.get(1).value());
                    assertEquals(List.of(), deadLetters.readToEnd(Duration.ofSeconds(30)), "dead letters");
                } finally {
                    second.close();
                }
            } finally {
                deleteQuietly(stateDir);
            }
        }
    }

    private static List<Received> awaitEvents(CommittedRecords events, int count) {
        await(count + " events")
                .atMost(Duration.ofSeconds(120))
                .pollInSameThread()
                .until(() -> {
                    events.poll(Duration.ofMillis(100));
                    return events.all().size() >= count;
                });
        events.poll(Duration.ofMillis(500));
        assertEquals(count, events.all().size(), "events: " + events.all());
        return events.all();
    }

    private static boolean isAlive(KafkaStreams.State state) {
        return state != KafkaStreams.State.ERROR
                && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR
                && state != KafkaStreams.State.PENDING_SHUTDOWN;
    }

    static TopologySettings avroSettings(ApicurioRegistry registry) {
        return TopologySettings.defaults()
                .withEventFormat(
                        EventFormat.AVRO, Optional.of(new SchemaRegistrySettings(registry.ccompatUrl(), true)));
    }

    /** connect-config/prefect-connector-avro.json, pointed at this registry. */
    static ConnectorDefinition avroConnector(ApicurioRegistry registry) {
        return ConnectorDefinition.load(ConnectorDefinition.AVRO_RESOURCE)
                .withEvery(".apicurio.registry.url", registry.nativeUrl().toString());
    }

    /** An Avro event as its JSON, checking the framing; anything else as UTF-8 (so the comparison shows it). */
    static Function<byte[], String> eventJson(ApicurioRegistry registry) {
        AvroEventDecoder decoder =
                new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(registry.ccompatUrl())));
        return value -> ConfluentWireFormat.isFramed(value)
                ? decoder.decode(value).toJson()
                : "NOT AVRO: " + new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void deleteQuietly(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // a leftover temp dir must not fail the test
        }
    }

    private static void insertVariable(Connection db, int n, String name, String value) throws SQLException {
        sql(
                db,
                "INSERT INTO variable (id, name, value, tags) VALUES (?::uuid, ?, ?::jsonb, '[]')",
                PrefectScenario.id(800 + n),
                name,
                value);
    }

    private static String field(String json, String name) {
        int at = json.indexOf("\"" + name + "\":\"");
        if (at < 0) {
            return null;
        }
        int from = at + name.length() + 4;
        return json.substring(from, json.indexOf('"', from));
    }

    private static void sql(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            statement.executeUpdate();
        }
    }
}
