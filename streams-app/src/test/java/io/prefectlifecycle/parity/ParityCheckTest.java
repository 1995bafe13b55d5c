package io.prefectlifecycle.parity;

import io.prefectlifecycle.cdc.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Matching and explaining, on events written here; the real tables and topic are ParityIT's. */
class ParityCheckTest {

    private static final Instant T = Instant.parse("2026-11-26T19:02:50.740167Z");
    private static final ParityCheck.Range RANGE =
            new ParityCheck.Range(T.minusSeconds(60), T.plusSeconds(60), Duration.ofSeconds(5));
    private static final String VARIABLE = "prefect.variable.5f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";
    private static final ParityCheck.Rows NO_ROWS = (kind, id) -> Optional.of(false);

    @Test
    void sameEventAFewMillisecondsApartWithKeysInJsonbOrderMatches() {
        ComparedEvent ours = event(
                T,
                "prefect.variable.created",
                VARIABLE,
                "{\"name\":\"db_url\",\"value\":{\"zeta\":1,\"a\":2.0},\"tags\":[]}",
                "here");
        ComparedEvent prefect = event(
                T.minusMillis(3),
                "prefect.variable.created",
                VARIABLE,
                "{\"name\":\"db_url\",\"tags\":[],\"value\":{\"a\":2,\"zeta\":1}}",
                "prefect");
        ParityReport report = ParityCheck.compare(List.of(prefect), List.of(ours), RANGE, NO_ROWS);
        assertEquals(1, report.matched());
        assertEquals(List.of(), report.cases());
        assertEquals(0, report.unexplained());
    }

    @Test
    void aPayloadThatDiffersIsADifferenceWithItsPathsAndUnexplained() {
        ComparedEvent ours = event(
                T,
                "prefect.variable.updated",
                VARIABLE,
                "{\"name\":\"db_url\",\"value\":\"postgres://new\",\"tags\":[\"a\"]}",
                "here");
        ComparedEvent prefect = event(
                T.minusMillis(2),
                "prefect.variable.updated",
                VARIABLE,
                "{\"name\":\"db_url\",\"value\":\"postgres://old\",\"tags\":[\"a\"]}",
                "prefect");
        ParityReport report = ParityCheck.compare(List.of(prefect), List.of(ours), RANGE, NO_ROWS);
        ParityCase c = report.cases().get(0);
        assertEquals(ParityCase.Kind.DIFFERENT, c.kind());
        assertEquals(1, c.differences().size());
        assertEquals("payload.value", c.differences().get(0).path());
        assertEquals("\"postgres://old\"", c.differences().get(0).prefect().toString());
        assertEquals("\"postgres://new\"", c.differences().get(0).ours().toString());
        assertEquals(Optional.empty(), c.known());
        assertEquals(1, report.unexplained());
        assertTrue(
                report.toTable().contains("    payload.value: Prefect \"postgres://old\", here \"postgres://new\""),
                report.toTable());
    }

    @Test
    void eventsFurtherApartThanTheWindowDoNotMatchAndOursOutsideTheRangeAreNotReported() {
        ComparedEvent ours = event(T.plusSeconds(6), "prefect.variable.deleted", VARIABLE, "{}", "here");
        ComparedEvent prefect = event(T, "prefect.variable.deleted", VARIABLE, "{}", "prefect");
        ComparedEvent oursBeforeTheRange = event(T.minusSeconds(62), "prefect.variable.created", VARIABLE, "{}", "x");
        ParityReport report = ParityCheck.compare(
                List.of(prefect), List.of(ours, oursBeforeTheRange), RANGE, (kind, id) -> Optional.empty());
        assertEquals(
                List.of(ParityCase.Kind.ONLY_IN_PREFECT, ParityCase.Kind.ONLY_HERE),
                report.cases().stream().map(ParityCase::kind).toList());
        assertEquals(1, report.ourEvents(), "only the topic's events in the range count");
    }

    @Test
    void knownDifferencesAreNamedByTheContractsTitles() {
        String document = "prefect.block-document.7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        String deployment = "prefect.deployment.11111111-2222-4333-8444-555555555555";
        String doc = "{\"name\":\"prod\",\"data\":{\"user\":\"u\"},\"block_schema\":null}";
        List<ComparedEvent> ours = new ArrayList<>(List.of(
                event(T, "prefect.block-document.created", document, doc, "h1"),
                event(
                        T.plusSeconds(1),
                        "prefect.deployment.updated",
                        deployment,
                        "{\"updated_fields\":[\"description\",\"tags\"],\"updates\":{}}",
                        "h2"),
                event(
                        T.plusSeconds(2),
                        "prefect.deployment.updated",
                        deployment,
                        "{\"updated_fields\":[\"paused\"],\"updates\":{\"paused\":{\"from\":false,\"to\":true}}}",
                        "h3")));
        List<ComparedEvent> prefect = List.of(
                event(T.minusMillis(1), "prefect.block-document.created", document, doc, "p1"),
                // a PATCH without data: Prefect announces an update of nothing
                event(T.plusMillis(500), "prefect.block-document.updated", document, doc, "p2"),
                event(
                        T.plusMillis(999),
                        "prefect.deployment.updated",
                        deployment,
                        "{\"updated_fields\":[\"tags\",\"description\"],\"updates\":{}}",
                        "p3"),
                // a create that was rolled back: no row, no event here
                event(T.plusSeconds(3), "prefect.variable.created", VARIABLE, "{\"name\":\"x\"}", "p4"));
        ParityReport report = ParityCheck.compare(prefect, ours, RANGE, NO_ROWS);
        assertEquals(
                List.of(
                        "only in Prefect Writes that change nothing.",
                        "different Deployment field order.",
                        "only here Pause and resume endpoints.",
                        "only in Prefect Rolled-back changes."),
                report.cases().stream()
                        .map(c ->
                                c.kind().text() + " " + c.known().orElseThrow().title())
                        .toList());
        assertEquals(0, report.unexplained());
        assertEquals(1, report.matched());

        ParityReport rowThere = ParityCheck.compare(
                prefect.subList(3, 4), List.of(), RANGE, (kind, id) -> Optional.of(kind.equals("variable")));
        assertEquals(1, rowThere.unexplained(), "a created object that is there was not rolled back");
    }

    @Test
    void withNoPrefectLifecycleEventsEverythingHereIsAnOlderServer() {
        ParityReport report = ParityCheck.compare(
                List.of(), List.of(event(T, "prefect.variable.created", VARIABLE, "{}", "h")), RANGE, NO_ROWS);
        assertEquals(
                "Older Prefect servers.",
                report.cases().get(0).known().orElseThrow().title());
        assertEquals(
                "only_here",
                report.toJson().get("differences").get(0).get("kind").asText());
    }

    static ComparedEvent event(Instant occurred, String name, String resourceId, String payload, String where) {
        String json = "{\"occurred\":\"" + occurred + "\",\"event\":\"" + name + "\",\"resource\":{"
                + "\"prefect.resource.id\":\"" + resourceId + "\"},\"related\":[],\"payload\":" + payload
                + ",\"id\":\"01000000-0000-7000-8000-000000000000\",\"follows\":null}";
        ComparedEvent e = ComparedEvent.fromJson(json.getBytes(StandardCharsets.UTF_8), where);
        try {
            Json.MAPPER.readTree(json);
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
        return e;
    }
}
