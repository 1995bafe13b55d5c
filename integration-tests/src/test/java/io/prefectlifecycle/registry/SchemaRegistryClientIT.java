package io.prefectlifecycle.registry;

import io.prefectlifecycle.testsupport.ApicurioRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.UUID;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SchemaRegistryClient} against a real registry (Apicurio 2.6's Confluent API), its own: it is stopped here. */
class SchemaRegistryClientIT {

    private static final String V1 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"test\",\"fields\":"
            + "[{\"name\":\"a\",\"type\":\"string\"}]}";
    /** V1 plus a field with a default: BACKWARD compatible. */
    private static final String V2 = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"test\",\"fields\":"
            + "[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    /** A new required field without a default: not BACKWARD compatible with V1. */
    private static final String BREAKING = "{\"type\":\"record\",\"name\":\"Thing\",\"namespace\":\"test\",\"fields\":"
            + "[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"long\"}]}";

    private static ApicurioRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = ApicurioRegistry.launch();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private static String subject() {
        return "test-" + UUID.randomUUID() + "-value";
    }

    @Test
    void registersOnceAndReadsTheSchemaBackById() {
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        String subject = subject();
        int id = client.register(subject, V1);
        assertEquals(id, client.register(subject, V1), "registering again is idempotent");

        SchemaRegistryClient other = new SchemaRegistryClient(URI.create(registry.ccompatUrl() + "/"));
        assertEquals(id, other.register(subject, V1), "another client gets the same id from the registry");
        assertEquals(OptionalInt.of(id), other.lookup(subject, V1));
        assertEquals(V1, other.schemaById(id).replace(" ", ""));
        assertTrue(other.subjects().contains(subject));

        int v2 = client.register(subject, V2);
        assertNotEquals(id, v2);
        assertEquals(OptionalInt.of(v2), other.lookup(subject, V2));
    }

    @Test
    void unknownIdsAndSubjectsAreNotFound() {
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        SchemaNotFoundException e = assertThrows(SchemaNotFoundException.class, () -> client.schemaById(987654));
        assertTrue(e.getMessage().contains("GET /schemas/ids/987654 -> HTTP 404"), e.getMessage());
        assertEquals(OptionalInt.empty(), client.lookup(subject(), V1), "no such subject");
        String subject = subject();
        client.register(subject, V1);
        assertEquals(OptionalInt.empty(), client.lookup(subject, V2), "subject without this schema");
    }

    @Test
    void backwardCompatibilityRejectsABreakingChangeWithAClearError() throws Exception {
        SchemaRegistryClient client = new SchemaRegistryClient(registry.ccompatUrl());
        String subject = subject();
        client.register(subject, V1);
        registry.setCompatibility(subject, "BACKWARD");
        client.register(subject, V2);
        SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.register(subject, BREAKING));
        assertEquals(409, e.status(), e.getMessage());
        assertTrue(
                e.getMessage()
                        .startsWith(registry.ccompatUrl() + ": POST /subjects/" + subject + "/versions -> HTTP 409"),
                e.getMessage());
        assertFalse(e instanceof SchemaRegistryUnavailableException);
    }

    @Test
    void aRegistryThatDoesNotAnswerFailsAfterTheRetryBudget() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        SchemaRegistryClient client = new SchemaRegistryClient(
                URI.create("http://user:secret@127.0.0.1:" + closedPort),
                Duration.ofMillis(500),
                Duration.ofMillis(1500));
        long t0 = System.nanoTime();
        SchemaRegistryUnavailableException e =
                assertThrows(SchemaRegistryUnavailableException.class, () -> client.schemaById(1));
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(millis >= 1000 && millis < 5000, "gave up after " + millis + " ms");
        assertTrue(
                e.getMessage().matches(".*GET /schemas/ids/1 failed \\d+ time\\(s\\) within 1500 ms; last: .*"),
                e.getMessage());
        assertFalse(e.getMessage().contains("secret"), "credentials are never shown: " + e.getMessage());
        assertEquals("http://127.0.0.1:" + closedPort, client.url());
    }

    @Test
    void cachedAnswersNeedNoRegistryAndCallsResumeWhenItIsBack() {
        try (ApicurioRegistry own = ApicurioRegistry.launch()) {
            SchemaRegistryClient client =
                    new SchemaRegistryClient(own.ccompatUrl(), Duration.ofSeconds(1), Duration.ofSeconds(2));
            String subject = subject();
            int id = client.register(subject, V1);
            own.stop();
            assertEquals(id, client.register(subject, V1), "cached");
            assertEquals(V1, client.schemaById(id), "cached");
            assertThrows(SchemaRegistryUnavailableException.class, () -> client.register(subject, V2));
            own.start();
            // the same client, its 1 s request timeout kept: a registry just back may be slow to answer on a loaded
            // machine (it timed out at load 28 on 2 cores), so the call is made again until it answers
            int v2 = await("the registry answers again")
                    .atMost(Duration.ofSeconds(60))
                    .pollInSameThread()
                    .ignoreException(SchemaRegistryUnavailableException.class)
                    .until(() -> client.register(subject, V2), id2 -> id2 > 0);
            assertEquals(
                    V2,
                    new SchemaRegistryClient(own.ccompatUrl()).schemaById(v2).replace(" ", ""),
                    "the registry kept its schemas across the restart");
            assertEquals(OptionalInt.of(id), new SchemaRegistryClient(own.ccompatUrl()).lookup(subject, V1));
        }
    }
}
