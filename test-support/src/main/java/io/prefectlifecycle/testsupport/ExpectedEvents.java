package io.prefectlifecycle.testsupport;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a workload's writes must become, worked out from the writes alone (never by asking the app): per event name
 * ({@code prefect.variable.created}) how many, and, where the workload follows each row, per resource id
 * ({@code prefect.variable.<id>}) the actions of its events in commit order. The model of both workloads
 * ({@link ChangeWorkload}, {@link ReliabilityWorkload}); {@link ExactlyOnceCheck} checks events against it.
 *
 * @param countByName        event name → count
 * @param actionsByResource  resource id → actions in commit order; empty when the workload counts names only
 */
public record ExpectedEvents(Map<String, Long> countByName, Map<String, List<String>> actionsByResource) {

    public ExpectedEvents {
        countByName = Collections.unmodifiableMap(new TreeMap<>(countByName));
        actionsByResource = Collections.unmodifiableMap(new TreeMap<>(actionsByResource));
    }

    /** Counted per name only. */
    public static ExpectedEvents ofCounts(Map<String, Long> countByName) {
        return new ExpectedEvents(countByName, Map.of());
    }

    /** Followed per resource; the names are the resource's kind and the action ({@code prefect.flow.} + {@code deleted}). */
    public static ExpectedEvents ofResources(Map<String, List<String>> actionsByResource) {
        Map<String, Long> counts = new TreeMap<>();
        actionsByResource.forEach((resource, actions) -> actions.forEach(action ->
                counts.merge(resource.substring(0, resource.lastIndexOf('.') + 1) + action, 1L, Long::sum)));
        return new ExpectedEvents(counts, actionsByResource);
    }

    /** How many events in all. */
    public long total() {
        return countByName.values().stream().mapToLong(Long::longValue).sum();
    }
}
