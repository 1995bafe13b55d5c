package io.prefectlifecycle.kinds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The registry of captured tables. A new kind is one line here. */
public final class Kinds {

    /** Prefect's Alembic revision: a transaction that changes it is a Prefect upgrade. */
    public static final String SCHEMA_VERSION_TABLE = "alembic_version";

    /** The table of {@code schemas/debezium-heartbeat.sql}, which the connector's heartbeat action writes. */
    public static final String HEARTBEAT_TABLE = "prefect_cdc_heartbeat";

    public static final List<ObjectKind> ALL = List.of(
            new VariableKind(),
            new FlowKind(),
            new BlockTypeKind(),
            new BlockDocumentKind(),
            new ConcurrencyLimitV2Kind(),
            new ConcurrencyLimitV1Kind(),
            new ArtifactCollectionKind(),
            new AutomationKind(),
            new WorkPoolKind(),
            new WorkQueueKind(),
            new DeploymentKind(),
            new LookupTable("block_schema"),
            new LookupTable("configuration"),
            new SchemaVersionTable(SCHEMA_VERSION_TABLE),
            new HeartbeatTable(HEARTBEAT_TABLE));

    private static final Map<String, ObjectKind> BY_TABLE =
            ALL.stream().collect(Collectors.toUnmodifiableMap(ObjectKind::table, Function.identity()));

    private Kinds() {
    }

    public static Optional<ObjectKind> forTable(String table) {
        return Optional.ofNullable(BY_TABLE.get(table));
    }

    public static List<String> tables() {
        return ALL.stream().map(ObjectKind::table).toList();
    }

    /** The tables whose rows become the events of each resource kind, by kind ({@code concurrency-limit}: two). */
    public static Map<String, List<String>> tablesByEventKind() {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        for (ObjectKind kind : ALL) {
            kind.eventKind().ifPresent(name -> byKind.computeIfAbsent(name, k -> new ArrayList<>()).add(kind.table()));
        }
        byKind.replaceAll((name, tables) -> List.copyOf(tables));
        return Collections.unmodifiableMap(byKind);
    }
}
