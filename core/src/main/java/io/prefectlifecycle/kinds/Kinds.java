package io.prefectlifecycle.kinds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The registry of captured tables. A new kind is one line in {@link #KINDS}; the tables it looks up
 * ({@link ObjectKind#lookupTables()}) come with it. {@code KindsCompletenessTest} checks every kind against the
 * project's other lists (Avro schemas, golden cases, connector table list, DDL) and prints what is missing.
 */
public final class Kinds {

    /** Prefect's Alembic revision: a transaction that changes it is a Prefect upgrade. */
    public static final String SCHEMA_VERSION_TABLE = "alembic_version";

    /** The table of {@code schemas/debezium-heartbeat.sql}, which the connector's heartbeat action writes. */
    public static final String HEARTBEAT_TABLE = "prefect_cdc_heartbeat";

    /**
     * The kinds whose rows become events. A new one goes last, as its payload record goes last in the Avro envelope's
     * union (docs/adr/0003-avro-events.md); this order is also the order the payload files are parsed in.
     */
    public static final List<ObjectKind> KINDS = List.of(
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
            new DeploymentKind());

    /**
     * Every captured table: the {@link #KINDS}, the tables they look up that are no kind's ({@link LookupTable}),
     * Prefect's schema version and Debezium's heartbeat table.
     */
    public static final List<ObjectKind> ALL = captured(KINDS);

    private static final Map<String, ObjectKind> BY_TABLE =
            ALL.stream().collect(Collectors.toUnmodifiableMap(ObjectKind::table, Function.identity()));

    private Kinds() {}

    private static List<ObjectKind> captured(List<ObjectKind> kinds) {
        Set<String> tables = new LinkedHashSet<>();
        kinds.forEach(kind -> tables.add(kind.table()));
        List<ObjectKind> all = new ArrayList<>(kinds);
        for (ObjectKind kind : kinds) {
            for (String lookedUp : kind.lookupTables()) {
                if (tables.add(lookedUp)) {
                    all.add(new LookupTable(lookedUp));
                }
            }
        }
        all.add(new SchemaVersionTable(SCHEMA_VERSION_TABLE));
        all.add(new HeartbeatTable(HEARTBEAT_TABLE));
        return List.copyOf(all);
    }

    public static Optional<ObjectKind> forTable(String table) {
        return Optional.ofNullable(BY_TABLE.get(table));
    }

    /** The tables whose rows become the events of each resource kind, by kind ({@code concurrency-limit}: two). */
    public static Map<String, List<String>> tablesByEventKind() {
        Map<String, List<String>> byKind = new LinkedHashMap<>();
        for (ObjectKind kind : ALL) {
            kind.eventKind()
                    .ifPresent(name ->
                            byKind.computeIfAbsent(name, k -> new ArrayList<>()).add(kind.table()));
        }
        byKind.replaceAll((name, tables) -> List.copyOf(tables));
        return Collections.unmodifiableMap(byKind);
    }
}
