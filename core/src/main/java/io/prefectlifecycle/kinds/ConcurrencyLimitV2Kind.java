package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Row;

import java.util.List;
import java.util.Optional;

import static io.prefectlifecycle.cdc.IgnoredCategory.SILENT;

/**
 * {@code concurrency_limit_v2} → {@code prefect.concurrency-limit.*}; payload {@code {name, limit, active,
 * slot_decay_per_second}}. Silent for deployment-scoped limits ({@code deployment:<uuid>}) and for slot accounting.
 *
 * <p>What an update is, from the row alone ({@code models/concurrency_limits_v2.py}):
 * <ul>
 *   <li>a payload column changed: an API update ({@code update_concurrency_limit}), emitted;</li>
 *   <li>a slot column changed ({@code active_slots}, {@code denied_slots}, {@code avg_slot_occupancy_seconds}): slot
 *       accounting ({@code bulk_increment_active_slots}, {@code bulk_decrement_active_slots}), silent;</li>
 *   <li>only {@code updated} changed: on a limit without decay, an API update repeating the values (the v1 API's
 *       {@code POST /concurrency_limits/} re-applying a {@code tag:} limit, a PATCH with the current values), which
 *       Prefect announces; on a limit with decay (a rate limit), an acquisition after the held slots decayed, which
 *       leaves {@code active_slots} as it was and is the common write on such a limit, so silent.</li>
 * </ul>
 * Both "only {@code updated}" readings can be wrong: a release at zero active slots without an occupancy time (no
 * slot held) on a limit without decay emits here and not in Prefect; an API update repeating a rate limit's values,
 * and a PATCH of slot columns only, emit in Prefect and not here.
 */
public final class ConcurrencyLimitV2Kind implements ObjectKind {

    static final String DEPLOYMENT_PREFIX = "deployment:";
    private static final String[] PAYLOAD_COLUMNS = {"name", "limit", "active", "slot_decay_per_second"};
    private static final String[] SLOT_COLUMNS = {"active_slots", "denied_slots", "avg_slot_occupancy_seconds"};

    @Override
    public String table() {
        return "concurrency_limit_v2";
    }

    @Override
    public Optional<String> eventKind() {
        return Optional.of("concurrency-limit");
    }

    /** Slot accounting is silent only for updates. */
    @Override
    public boolean dependsOnAction() {
        return true;
    }

    @Override
    public KindResult describe(RowChange change, Lookups lookups) {
        Row row = change.row();
        String name = row.requiredString("name");
        if (name.startsWith(DEPLOYMENT_PREFIX)) {
            return new KindResult.Silent(SILENT, "deployment-scoped concurrency limit");
        }
        Row previous = change.previous();
        if (change.action() == Action.UPDATED && previous != null && !row.differsIn(previous, PAYLOAD_COLUMNS)) {
            if (row.differsIn(previous, SLOT_COLUMNS)) {
                return new KindResult.Silent(SILENT, "slot churn: only slot columns changed");
            }
            if (slotDecay(row) > 0) {
                return new KindResult.Silent(
                        SILENT, "slot churn: only updated changed on a limit with decay (a rate-limit acquisition)");
            }
        }
        ObjectNode payload = Payloads.object();
        payload.put("name", name);
        payload.set("limit", row.integer("limit"));
        payload.put("active", row.bool("active"));
        payload.put("slot_decay_per_second", slotDecay(row));
        return Payloads.emit("concurrency-limit", row.requiredString("id"), name, List.of(), payload);
    }

    /** NULL until 2.13.2 (migration 4e9a6f93eb6c made it 0.0 and NOT NULL); Prefect reads it as 0.0 since. */
    private static double slotDecay(Row row) {
        return row.isNull("slot_decay_per_second") ? 0.0 : row.float64("slot_decay_per_second");
    }
}
