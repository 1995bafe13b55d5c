package io.prefectlifecycle.kinds;

import io.prefectlifecycle.testdata.ProjectPaths;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every table of the registry is captured: in the connector's {@code table.include.list} and created by
 * {@code schemas/prefect-postgres.sql} (which {@code local} and docker-compose load). A new kind missing either fails
 * here with the list.
 */
class KindsTest {

    @Test
    void everyTableOfTheRegistryIsCapturedAndCreated() throws IOException {
        List<String> included = List.of(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(ProjectPaths.root().resolve("connect-config/prefect-connector.json").toFile())
                .path("config").path("table.include.list").asText().split(","));
        String ddl = Files.readString(ProjectPaths.root().resolve("schemas/prefect-postgres.sql"))
                + Files.readString(ProjectPaths.root().resolve("schemas/debezium-heartbeat.sql"));
        List<String> missing = new ArrayList<>();
        for (String table : Kinds.tables()) {
            if (!included.contains("public." + table)) {
                missing.add(table + ": not in connect-config/prefect-connector.json's table.include.list");
            }
            if (!Pattern.compile("CREATE TABLE (IF NOT EXISTS )?" + table + " \\(").matcher(ddl).find()) {
                missing.add(table + ": no CREATE TABLE in schemas/");
            }
        }
        assertEquals(List.of(), missing);
    }

    /** The engine asks a kind for the rows to emit before its own only when it says it names any. */
    @Test
    void aKindThatOrdersRowsBeforeItsOwnSaysSo() {
        for (ObjectKind kind : Kinds.ALL) {
            boolean overrides = java.util.Arrays.stream(kind.getClass().getDeclaredMethods())
                    .anyMatch(m -> m.getName().equals("eventsBefore"));
            assertEquals(overrides, kind.pullsEventsBefore(), kind.getClass().getSimpleName()
                    + ": eventsBefore overridden " + overrides + ", pullsEventsBefore " + kind.pullsEventsBefore());
        }
    }

    /**
     * A kind that emits events names their resource kind, and it is the one its events carry: every golden event's
     * kind is some kind's {@link ObjectKind#eventKind()}, and every named kind has golden events ({@code parity}
     * reads Prefect's events of exactly these kinds).
     */
    @Test
    void everyEmittingKindNamesTheResourceKindOfItsGoldenEvents() throws IOException {
        Set<String> named = Kinds.tablesByEventKind().keySet();
        for (ObjectKind kind : Kinds.ALL) {
            assertEquals(kind.emitsEvents(), kind.eventKind().isPresent(), kind.getClass().getSimpleName());
        }
        Pattern eventName = Pattern.compile("\"event\":\"prefect\\.([a-z-]+)\\.(created|updated|deleted)\"");
        Set<String> inGoldens = new TreeSet<>();
        try (Stream<Path> files = Files.walk(ProjectPaths.goldenCases())) {
            for (Path file : files.filter(f -> f.getFileName().toString().equals("expected.jsonl")).toList()) {
                Matcher m = eventName.matcher(Files.readString(file));
                while (m.find()) {
                    inGoldens.add(m.group(1));
                }
            }
        }
        assertEquals(new TreeSet<>(named), inGoldens);
        assertEquals(List.of("concurrency_limit_v2", "concurrency_limit"),
                Kinds.tablesByEventKind().get("concurrency-limit"));
    }
}
