package io.prefectlifecycle.tail;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prefect's {@code EventFilter}, evaluated on one event; every part that is set must match (AND).
 * <ul>
 *   <li>{@code names}: the event name ({@code EventNameFilter}: {@code prefix}/{@code name} as positives,
 *       {@code exclude_prefix}/{@code exclude_name} as negatives) in the {@link NamePatterns} grammar. Positives are
 *       OR-ed together, exact names and prefixes alike.</li>
 *   <li>{@code resourceIds}, {@code resourceIdPrefixes}: {@code EventResourceFilter.id} (exact, any of) and
 *       {@code id_prefix} (any of); both AND-ed when both are given.</li>
 *   <li>{@code resourceLabels}: {@code EventResourceFilter.labels}: each label's values in the {@link NamePatterns}
 *       grammar; every label must match; a label the resource lacks matches no pattern.</li>
 *   <li>{@code relatedIds}, {@code relatedRoles}: {@code EventRelatedFilter.id} and {@code role}: some related
 *       resource has one of the ids and one of the roles (both conditions on the same related resource, as Prefect's
 *       query applies them).</li>
 *   <li>{@code since}, {@code until}: {@code EventOccurredFilter}, both inclusive; null = unbounded.</li>
 * </ul>
 */
public record EventFilter(
        NamePatterns names,
        Set<String> resourceIds,
        List<String> resourceIdPrefixes,
        Map<String, NamePatterns> resourceLabels,
        Set<String> relatedIds,
        Set<String> relatedRoles,
        Instant since,
        Instant until) {

    public static EventFilter all() {
        return new EventFilter(NamePatterns.any(), Set.of(), List.of(), Map.of(), Set.of(), Set.of(), null, null);
    }

    public EventFilter {
        if (since != null && until != null && since.isAfter(until)) {
            throw new IllegalArgumentException("since " + since + " is after until " + until);
        }
        resourceIds = Set.copyOf(resourceIds);
        resourceIdPrefixes = List.copyOf(resourceIdPrefixes);
        resourceLabels = Map.copyOf(resourceLabels);
        relatedIds = Set.copyOf(relatedIds);
        relatedRoles = Set.copyOf(relatedRoles);
    }

    public boolean includes(TailedEvent event) {
        if (since != null && event.occurred().isBefore(since)) {
            return false;
        }
        if (until != null && event.occurred().isAfter(until)) {
            return false;
        }
        if (!names.matches(event.event())) {
            return false;
        }
        String resourceId = event.resourceId();
        if (!resourceIds.isEmpty() && !resourceIds.contains(resourceId)) {
            return false;
        }
        if (!resourceIdPrefixes.isEmpty() && resourceIdPrefixes.stream().noneMatch(resourceId::startsWith)) {
            return false;
        }
        for (Map.Entry<String, NamePatterns> label : resourceLabels.entrySet()) {
            if (!label.getValue().matches(event.resource().get(label.getKey()))) {
                return false;
            }
        }
        if (!relatedIds.isEmpty() || !relatedRoles.isEmpty()) {
            return event.related().stream().anyMatch(this::relatedMatches);
        }
        return true;
    }

    private boolean relatedMatches(Map<String, String> related) {
        return (relatedIds.isEmpty() || relatedIds.contains(related.get(TailedEvent.ID)))
                && (relatedRoles.isEmpty() || relatedRoles.contains(related.get(TailedEvent.ROLE)));
    }
}
