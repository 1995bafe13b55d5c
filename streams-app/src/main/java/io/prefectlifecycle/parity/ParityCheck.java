package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Matches Prefect's lifecycle events to this app's. Two events match when they have the same name and resource id,
 * occurred within {@code window} of each other (Prefect takes {@code occurred} before its transaction commits, this
 * app takes the commit time), and have the same resource labels, related resources and payload. Events with the same
 * name and resource id within the window that differ otherwise are paired as {@code different}, closest in time first.
 * What remains is {@code only in Prefect} (its events in [since, until]) or {@code only here} (the topic's events in
 * [since, until]; the topic is read {@code window} wider on each side, so that a pair at an edge still matches).
 */
public final class ParityCheck {

    /** @param window how far apart in time a pair may be */
    public record Range(Instant since, Instant until, Duration window) {

        public Range {
            if (since.isAfter(until)) {
                throw new IllegalArgumentException("--since " + since + " is after --until " + until);
            }
            if (window.isNegative()) {
                throw new IllegalArgumentException("--window " + window + " is negative");
            }
        }

        boolean contains(Instant time) {
            return !time.isBefore(since) && !time.isAfter(until);
        }
    }

    /** Whether the object's row is in Prefect's database now, by event kind and object id; empty when unknown. */
    public interface Rows extends BiFunction<String, String, Optional<Boolean>> {}

    private ParityCheck() {}

    /**
     * @param prefect Prefect's lifecycle events in the range
     * @param ours    the topic's lifecycle events in the range widened by the window on each side
     */
    public static ParityReport compare(List<ComparedEvent> prefect, List<ComparedEvent> ours, Range range, Rows rows) {
        List<ComparedEvent> prefectSorted = prefect.stream()
                .sorted(Comparator.comparing(ComparedEvent::occurred))
                .toList();
        List<ComparedEvent> oursSorted = ours.stream()
                .sorted(Comparator.comparing(ComparedEvent::occurred))
                .toList();
        Map<String, List<ComparedEvent>> oursByKey = new HashMap<>();
        oursSorted.forEach(
                o -> oursByKey.computeIfAbsent(key(o), k -> new ArrayList<>()).add(o));
        Set<ComparedEvent> used = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Map<ComparedEvent, ComparedEvent> matched = new IdentityHashMap<>();
        Map<ComparedEvent, ComparedEvent> paired = new IdentityHashMap<>();

        pair(prefectSorted, oursByKey, range.window(), true, used, matched);
        pair(prefectSorted, oursByKey, range.window(), false, used, paired);

        List<ParityCase> cases = new ArrayList<>();
        for (ComparedEvent p : prefectSorted) {
            if (paired.containsKey(p)) {
                ComparedEvent o = paired.get(p);
                cases.add(new ParityCase(ParityCase.Kind.DIFFERENT, p, o, differences(p, o), Optional.empty()));
            } else if (!matched.containsKey(p)) {
                cases.add(new ParityCase(ParityCase.Kind.ONLY_IN_PREFECT, p, null, List.of(), Optional.empty()));
            }
        }
        int oursInRange = 0;
        for (ComparedEvent o : oursSorted) {
            if (range.contains(o.occurred())) {
                oursInRange++;
                if (!used.contains(o)) {
                    cases.add(new ParityCase(ParityCase.Kind.ONLY_HERE, null, o, List.of(), Optional.empty()));
                }
            }
        }
        KnownDifferences known = KnownDifferences.load(facts(prefectSorted, oursSorted, rows));
        List<ParityCase> explained = cases.stream()
                .map(c -> c.explained(known.explain(c)))
                .sorted(Comparator.comparing((ParityCase c) -> c.either().occurred()))
                .toList();
        return new ParityReport(range, prefectSorted.size(), oursInRange, matched.size(), explained);
    }

    /** Resource labels, related resources and payload, in that order. */
    static List<JsonDifferences.Difference> differences(ComparedEvent prefect, ComparedEvent ours) {
        List<JsonDifferences.Difference> found = new ArrayList<>();
        found.addAll(JsonDifferences.between("resource", prefect.resource(), ours.resource()));
        found.addAll(JsonDifferences.between("related", prefect.related(), ours.related()));
        found.addAll(JsonDifferences.between("payload", prefect.payload(), ours.payload()));
        return found;
    }

    private static String key(ComparedEvent event) {
        return event.event() + " " + event.resourceId();
    }

    /**
     * Pairs events of one name and resource id within the window, the pairs closest in time first, each event at most
     * once; with {@code equalOnly}, only pairs without a difference.
     */
    private static void pair(
            List<ComparedEvent> prefect,
            Map<String, List<ComparedEvent>> oursByKey,
            Duration window,
            boolean equalOnly,
            Set<ComparedEvent> used,
            Map<ComparedEvent, ComparedEvent> pairs) {
        record Candidate(ComparedEvent prefect, ComparedEvent ours, Duration apart) {}
        Set<ComparedEvent> taken = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        taken.addAll(used);
        List<Candidate> candidates = new ArrayList<>();
        for (ComparedEvent p : prefect) {
            if (taken.contains(p)) {
                continue;
            }
            for (ComparedEvent o : oursByKey.getOrDefault(key(p), List.of())) {
                Duration apart = Duration.between(p.occurred(), o.occurred()).abs();
                if (!taken.contains(o)
                        && apart.compareTo(window) <= 0
                        && (!equalOnly || differences(p, o).isEmpty())) {
                    candidates.add(new Candidate(p, o, apart));
                }
            }
        }
        candidates.sort(Comparator.comparing(Candidate::apart));
        for (Candidate c : candidates) {
            if (!taken.contains(c.prefect()) && !taken.contains(c.ours())) {
                taken.add(c.prefect());
                taken.add(c.ours());
                used.add(c.ours());
                used.add(c.prefect());
                pairs.put(c.prefect(), c.ours());
            }
        }
    }

    private static KnownDifferences.Facts facts(List<ComparedEvent> prefect, List<ComparedEvent> ours, Rows rows) {
        return new KnownDifferences.Facts() {
            @Override
            public Optional<JsonNode> payloadBefore(ComparedEvent event) {
                Optional<JsonNode> here = latestBefore(ours, event);
                return here.isPresent() ? here : latestBefore(prefect, event);
            }

            @Override
            public Optional<Boolean> rowExists(ComparedEvent event) {
                return rows.apply(event.kind(), event.objectId());
            }

            @Override
            public boolean eventsHereFor(String resourceId) {
                return ours.stream().anyMatch(o -> o.resourceId().equals(resourceId));
            }

            @Override
            public boolean prefectHasLifecycleEvents() {
                return !prefect.isEmpty();
            }
        };
    }

    private static Optional<JsonNode> latestBefore(List<ComparedEvent> events, ComparedEvent event) {
        ComparedEvent latest = null;
        for (ComparedEvent e : events) {
            if (e != event
                    && e.resourceId().equals(event.resourceId())
                    && e.occurred().isBefore(event.occurred())) {
                latest = e;
            }
        }
        return Optional.ofNullable(latest).map(ComparedEvent::payload);
    }
}
