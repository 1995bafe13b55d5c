package io.prefectlifecycle.kinds;

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
}
