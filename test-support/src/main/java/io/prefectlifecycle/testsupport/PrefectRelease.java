package io.prefectlifecycle.testsupport;

import java.util.List;
import java.util.Locale;

/**
 * The Prefect releases whose tables ({@code schemas/prefect-postgres-<release>.sql}) the write-pattern IT captures
 * from, oldest first, and what their tables have (../shared/research/prefect-schema-history.md). {@link #HEAD} is
 * {@code schemas/prefect-postgres.sql}: Prefect main, whose tables every release since 3.7.0 has.
 */
public enum PrefectRelease {
    V2_10_0("2.10.0"),
    V2_12_0("2.12.0"),
    V2_20_0("2.20.0"),
    V3_0_0("3.0.0"),
    V3_4_0("3.4.0"),
    HEAD("head");

    private final String version;

    PrefectRelease(String version) {
        this.version = version;
    }

    public String version() {
        return version;
    }

    public List<String> ddl() {
        String prefect = this == HEAD ? "schemas/prefect-postgres.sql" : "schemas/prefect-postgres-" + version + ".sql";
        return List.of(prefect, "schemas/debezium-heartbeat.sql");
    }

    /** A database, connector, slot and publication name. */
    public String id() {
        return "prefect_" + version.replace('.', '_').toLowerCase(Locale.ROOT);
    }

    /** variable.value is JSONB (else VARCHAR): 94622c1663e8, 3.0.0. */
    public boolean jsonVariables() {
        return atLeast(V3_0_0);
    }

    /** flow.labels: 68a44144428d, 3.1.5. */
    public boolean flowLabels() {
        return atLeast(V3_4_0);
    }

    /** block_document.block_type_name: cef24af2ec34, 2.14.3. */
    public boolean blockTypeName() {
        return atLeast(V2_20_0);
    }

    /** concurrency_limit_v2: 5f623ddbf7fe, 2.11.3. */
    public boolean limitsV2() {
        return atLeast(V2_12_0);
    }

    /** concurrency_limit_v2.slot_decay_per_second nullable until 4e9a6f93eb6c, 2.13.2. */
    public boolean nullableSlotDecay() {
        return this == V2_12_0;
    }

    /** automation: aeea5ee6f070, 2.16.9. */
    public boolean automations() {
        return atLeast(V2_20_0);
    }

    /** automation.tags: aa1234567890, 3.4.7. */
    public boolean automationTags() {
        return atLeast(HEAD);
    }

    private boolean atLeast(PrefectRelease release) {
        return compareTo(release) >= 0;
    }
}
