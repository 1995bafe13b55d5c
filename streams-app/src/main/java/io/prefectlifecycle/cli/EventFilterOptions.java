package io.prefectlifecycle.cli;

import io.prefectlifecycle.tail.EventFilter;
import io.prefectlifecycle.tail.NamePatterns;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The event filter options of {@code tail} and {@code forward}, a picocli mixin: Prefect's event filter grammar
 * ({@link EventFilter}). Repeated options of one kind are OR-ed; different options are AND-ed.
 */
public final class EventFilterOptions {

    @Option(
            names = "--event",
            paramLabel = "NAME",
            description = "Event name: exact (prefect.variable.created), a prefix ending in * "
                    + "(prefect.block-document.*), or either negated with a leading ! (!prefect.flow.*). Repeatable: "
                    + "any of the positive ones and none of the negative ones.")
    List<String> events = new ArrayList<>();

    @Option(names = "--resource-id", paramLabel = "ID", description = "Resource id, exact (repeatable: any of).")
    List<String> resourceIds = new ArrayList<>();

    @Option(
            names = "--resource-id-prefix",
            paramLabel = "PREFIX",
            description = "Resource id prefix, e.g. prefect.variable. (repeatable: any of).")
    List<String> resourceIdPrefixes = new ArrayList<>();

    @Option(
            names = "--resource-label",
            paramLabel = "LABEL=VALUE",
            description = "Resource label, e.g. prefect.resource.name=db_*; the value in the --event grammar "
                    + "(repeatable; values of one label: any of the positive, none of the negative).")
    List<String> resourceLabels = new ArrayList<>();

    @Option(
            names = "--related-id",
            paramLabel = "ID",
            description = "A related resource has this id (repeatable: any of).")
    List<String> relatedIds = new ArrayList<>();

    @Option(
            names = "--related-role",
            paramLabel = "ROLE",
            description = "A related resource has this role, e.g. block-type (repeatable: any of). With "
                    + "--related-id: one related resource has both.")
    List<String> relatedRoles = new ArrayList<>();

    @Option(
            names = "--since",
            paramLabel = "TIME",
            converter = ReplayCommand.InstantConverter.class,
            description = "Only events that occurred at or after this ISO-8601 time (no offset = UTC).")
    Instant since;

    @Option(
            names = "--until",
            paramLabel = "TIME",
            converter = ReplayCommand.InstantConverter.class,
            description = "Only events that occurred at or before this ISO-8601 time (no offset = UTC).")
    Instant until;

    /** @throws IllegalArgumentException naming the option and the value that is not in the grammar */
    public EventFilter filter() {
        Map<String, List<String>> labels = new LinkedHashMap<>();
        for (String label : resourceLabels) {
            int eq = label.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--resource-label " + label + ": expected LABEL=VALUE");
            }
            labels.computeIfAbsent(label.substring(0, eq), k -> new ArrayList<>())
                    .add(label.substring(eq + 1));
        }
        Map<String, NamePatterns> labelPatterns = new LinkedHashMap<>();
        labels.forEach((label, values) -> labelPatterns.put(label, NamePatterns.parse(values)));
        return new EventFilter(
                NamePatterns.parse(events),
                Set.copyOf(resourceIds),
                resourceIdPrefixes,
                labelPatterns,
                Set.copyOf(relatedIds),
                Set.copyOf(relatedRoles),
                since,
                until);
    }
}
