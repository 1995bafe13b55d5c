package io.prefectlifecycle.tail;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefect's EventFilter semantics on real events (Debezium capture → transform). */
class EventFilterTest {

    static final String DOC = "prefect.block-document.7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    static final String TYPE = "prefect.block-type.3c9d1e7a-2b4f-4a8e-b6c5-d7e8f9a0b1c2";
    static final String SCHEMA = "prefect.block-schema.9d8c7b6a-5f4e-4d3c-ab2a-1f0e9d8c7b6a";
    static final String VARIABLE = "prefect.variable.5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";

    static final TailedEvent DOCUMENT_CREATED = TailedEvent.parse(
            bytes("{\"occurred\":\"2026-11-26T19:02:50.76746Z\",\"event\":\"prefect.block-document.created\","
                    + "\"resource\":{\"prefect.resource.id\":\"" + DOC
                    + "\",\"prefect.resource.name\":\"prod-db-creds\"},"
                    + "\"related\":[{\"prefect.resource.id\":\"" + TYPE + "\",\"prefect.resource.role\":\"block-type\","
                    + "\"prefect.resource.name\":\"Secretish\"},{\"prefect.resource.id\":\"" + SCHEMA + "\","
                    + "\"prefect.resource.role\":\"block-schema\"}],\"payload\":{\"name\":\"prod-db-creds\"},"
                    + "\"id\":\"01a2193d-3290-7000-8000-000000000001\",\"follows\":null}"));

    static final TailedEvent VARIABLE_CREATED = TailedEvent.parse(
            bytes("{\"occurred\":\"2026-11-26T19:02:50.740167Z\",\"event\":\"prefect.variable.created\","
                    + "\"resource\":{\"prefect.resource.id\":\"" + VARIABLE
                    + "\",\"prefect.resource.name\":\"db_url\"},"
                    + "\"related\":[],\"payload\":{\"name\":\"db_url\",\"value\":\"postgres://db:5432/app\",\"tags\":[]},"
                    + "\"id\":\"01a2193d-3274-7e5a-a8c0-2b13ad6cb308\",\"follows\":null}"));

    @Test
    void noCriteriaIncludesEverything() {
        assertTrue(EventFilter.all().includes(DOCUMENT_CREATED));
        assertTrue(EventFilter.all().includes(VARIABLE_CREATED));
    }

    @Test
    void eventNames() {
        assertTrue(filter().names("prefect.block-document.*").build().includes(DOCUMENT_CREATED));
        assertFalse(filter().names("prefect.block-document.*").build().includes(VARIABLE_CREATED));
        assertTrue(filter().names("prefect.block-document.*", "prefect.variable.created")
                .build()
                .includes(VARIABLE_CREATED));
        assertFalse(filter().names("prefect.block-document.*", "!prefect.block-document.created")
                .build()
                .includes(DOCUMENT_CREATED));
        assertTrue(filter().names("!prefect.block-document.*").build().includes(VARIABLE_CREATED));
        assertFalse(filter().names("prefect.variable.updated").build().includes(VARIABLE_CREATED));
    }

    @Test
    void resourceIdsAndPrefixes() {
        assertTrue(filter().resourceIds(VARIABLE, DOC).build().includes(VARIABLE_CREATED));
        assertFalse(filter().resourceIds(DOC).build().includes(VARIABLE_CREATED));
        assertTrue(filter().resourceIdPrefixes("prefect.flow.", "prefect.variable.")
                .build()
                .includes(VARIABLE_CREATED));
        assertFalse(filter().resourceIdPrefixes("prefect.flow.").build().includes(VARIABLE_CREATED));
        // id and id_prefix are AND-ed, as in Prefect's EventResourceFilter
        assertFalse(filter().resourceIds(VARIABLE)
                .resourceIdPrefixes("prefect.flow.")
                .build()
                .includes(VARIABLE_CREATED));
        assertTrue(filter().resourceIds(VARIABLE)
                .resourceIdPrefixes("prefect.variable.")
                .build()
                .includes(VARIABLE_CREATED));
    }

    @Test
    void aRelatedResourceIsNotTheResource() {
        assertFalse(filter().resourceIds(TYPE).build().includes(DOCUMENT_CREATED));
        assertFalse(filter().relatedIds(DOC).build().includes(DOCUMENT_CREATED));
    }

    @Test
    void resourceLabels() {
        assertTrue(filter().label("prefect.resource.name", "db_*").build().includes(VARIABLE_CREATED));
        assertFalse(filter().label("prefect.resource.name", "!db_*").build().includes(VARIABLE_CREATED));
        assertTrue(
                filter().label("prefect.resource.name", "prod-db-creds").build().includes(DOCUMENT_CREATED));
        // every label must match
        assertFalse(filter().label("prefect.resource.name", "db_url")
                .label("prefect.resource.id", "prefect.flow.*")
                .build()
                .includes(VARIABLE_CREATED));
        // a label the resource lacks matches no pattern, not even a negative one
        assertFalse(filter().label("team", "!ops").build().includes(VARIABLE_CREATED));
    }

    @Test
    void relatedIdAndRoleMustHoldForTheSameRelatedResource() {
        assertTrue(filter().relatedIds(TYPE).build().includes(DOCUMENT_CREATED));
        assertTrue(filter().relatedRoles("block-schema").build().includes(DOCUMENT_CREATED));
        assertTrue(filter().relatedRoles("flow-run", "block-type").build().includes(DOCUMENT_CREATED));
        assertTrue(filter().relatedIds(TYPE).relatedRoles("block-type").build().includes(DOCUMENT_CREATED));
        // the type is related, a block-schema is related, but the type is not the block-schema
        assertFalse(
                filter().relatedIds(TYPE).relatedRoles("block-schema").build().includes(DOCUMENT_CREATED));
        assertFalse(filter().relatedRoles("block-type").build().includes(VARIABLE_CREATED), "no related resources");
    }

    @Test
    void occurredBoundsAreInclusive() {
        Instant at = Instant.parse("2026-11-26T19:02:50.740167Z");
        assertTrue(filter().since(at).build().includes(VARIABLE_CREATED));
        assertTrue(filter().until(at).build().includes(VARIABLE_CREATED));
        assertFalse(filter().since(at.plusNanos(1000)).build().includes(VARIABLE_CREATED));
        assertFalse(filter().until(at.minusNanos(1000)).build().includes(VARIABLE_CREATED));
        assertTrue(filter().since(at.minusSeconds(1))
                .until(at.plusSeconds(1))
                .build()
                .includes(VARIABLE_CREATED));
    }

    @Test
    void everyCriterionMustHold() {
        EventFilter filter = filter().names("prefect.block-document.*")
                .resourceIdPrefixes("prefect.block-document.")
                .relatedRoles("block-type")
                .since(Instant.parse("2026-11-26T00:00:00Z"))
                .build();
        assertTrue(filter.includes(DOCUMENT_CREATED));
        assertFalse(filter.includes(VARIABLE_CREATED));
        assertFalse(filter().names("prefect.block-document.*")
                .since(Instant.parse("2027-01-01T00:00:00Z"))
                .build()
                .includes(DOCUMENT_CREATED));
    }

    /**
     * Work-pool, work-queue and deployment events (the golden case of a pool deleted with its queues): their resources
     * carry more labels (a pool's type and role) and their related lists other roles.
     */
    @Test
    void workPoolQueueAndDeploymentEvents() throws IOException {
        List<TailedEvent> events = Files.readAllLines(
                        ProjectPaths.goldenCases().resolve("work-pool/deleted-queues-first-by-priority/expected.jsonl"))
                .stream()
                .map(line -> TailedEvent.parse(bytes(line)))
                .toList();
        String pool = "prefect.work-pool.00000105-0000-4000-8000-000000000001";
        assertEquals(
                List.of("prefect.work-pool.created", "prefect.work-pool.updated", "prefect.work-pool.deleted"),
                names(events, filter().names("prefect.work-pool.*").build()));
        assertEquals(
                List.of("prefect.work-pool.created", "prefect.work-pool.updated", "prefect.work-pool.deleted"),
                names(
                        events,
                        filter().label("prefect.work-pool.type", "kubernetes").build()));
        assertEquals(
                List.of(),
                names(
                        events,
                        filter().label("prefect.work-pool.type", "process").build()));
        assertEquals(
                List.of("prefect.work-queue.deleted", "prefect.work-queue.deleted", "prefect.work-queue.deleted"),
                names(
                        events,
                        filter().names("prefect.work-queue.deleted")
                                .label("prefect.resource.role", "work-queue")
                                .build()));
        // the pool's queues and its deployment name it as a related resource in role work-pool
        assertEquals(
                List.of(
                        "prefect.work-queue.created",
                        "prefect.work-queue.created",
                        "prefect.work-queue.created",
                        "prefect.work-queue.updated",
                        "prefect.deployment.created",
                        "prefect.work-queue.deleted",
                        "prefect.work-queue.deleted",
                        "prefect.work-queue.deleted"),
                names(
                        events,
                        filter().relatedIds(pool).relatedRoles("work-pool").build()));
        assertEquals(
                List.of("prefect.work-pool.deleted"),
                names(events, filter().relatedRoles("result-storage").build()));
        assertEquals(
                List.of("prefect.deployment.created"),
                names(
                        events,
                        filter().names("prefect.deployment.*")
                                .resourceIdPrefixes("prefect.deployment.")
                                .relatedRoles("work-queue")
                                .build()));
    }

    private static List<String> names(List<TailedEvent> events, EventFilter filter) {
        return events.stream().filter(filter::includes).map(TailedEvent::event).toList();
    }

    @Test
    void sinceAfterUntilIsRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> filter().since(Instant.parse("2026-02-01T00:00:00Z"))
                        .until(Instant.parse("2026-01-01T00:00:00Z"))
                        .build());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Builder filter() {
        return new Builder();
    }

    /** Test-only builder: the record's constructor takes every part. */
    private static final class Builder {
        private NamePatterns names = NamePatterns.any();
        private Set<String> resourceIds = Set.of();
        private List<String> prefixes = List.of();
        private final LinkedHashMap<String, List<String>> labels = new LinkedHashMap<>();
        private Set<String> relatedIds = Set.of();
        private Set<String> relatedRoles = Set.of();
        private Instant since;
        private Instant until;

        Builder names(String... values) {
            names = NamePatterns.parse(List.of(values));
            return this;
        }

        Builder resourceIds(String... values) {
            resourceIds = Set.of(values);
            return this;
        }

        Builder resourceIdPrefixes(String... values) {
            prefixes = List.of(values);
            return this;
        }

        Builder label(String label, String... values) {
            labels.put(label, List.of(values));
            return this;
        }

        Builder relatedIds(String... values) {
            relatedIds = Set.of(values);
            return this;
        }

        Builder relatedRoles(String... values) {
            relatedRoles = Set.of(values);
            return this;
        }

        Builder since(Instant value) {
            since = value;
            return this;
        }

        Builder until(Instant value) {
            until = value;
            return this;
        }

        EventFilter build() {
            Map<String, NamePatterns> patterns = new LinkedHashMap<>();
            labels.forEach((k, v) -> patterns.put(k, NamePatterns.parse(v)));
            return new EventFilter(names, resourceIds, prefixes, patterns, relatedIds, relatedRoles, since, until);
        }
    }
}
