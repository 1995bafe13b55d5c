package io.prefectlifecycle.it;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What became of each record of a {@link PoisonRecords.Mix}, keyed by where it was written in the change stream (its
 * offset: one topic, one partition, offsets from 0 in production order), checked against each poison record's
 * expectation.
 */
final class PoisonOutcomes {

    record Placed(PoisonRecords.Input input, long offset) {}

    private final List<Placed> placed = new ArrayList<>();
    private final Map<String, Placed> byCoordinates = new HashMap<>();
    private final Map<String, List<String>> deadLetters = new HashMap<>();
    private final Map<String, List<String>> ignored = new HashMap<>();

    PoisonOutcomes(PoisonRecords.Mix mix) {
        long offset = 0;
        for (PoisonRecords.Input input : mix.records()) {
            Placed p = new Placed(input, offset);
            placed.add(p);
            byCoordinates.put(at(offset), p);
            offset++;
        }
    }

    /** Every record with its offset, in production order. */
    List<Placed> placed() {
        return placed;
    }

    /** @param family the category's label ({@code dlq.category}) */
    void deadLetter(long offset, String family, String reason) {
        deadLetters.computeIfAbsent(at(offset), k -> new ArrayList<>()).add(family + ": " + reason);
    }

    /** @param category the category's label */
    void ignored(long offset, String category) {
        ignored.computeIfAbsent(at(offset), k -> new ArrayList<>()).add(category);
    }

    private static String at(long offset) {
        return "@" + offset;
    }

    int deadLetterCount() {
        return deadLetters.values().stream().mapToInt(List::size).sum();
    }

    /** Dead letters by family, as counted. */
    Map<String, Integer> deadLettersByFamily() {
        Map<String, Integer> out = new TreeMap<>();
        deadLetters
                .values()
                .forEach(list -> list.forEach(d -> out.merge(d.substring(0, d.indexOf(':')), 1, Integer::sum)));
        return out;
    }

    /** The poison records expected to be dead-lettered, by family. */
    Map<String, Integer> expectedDeadLettersByFamily() {
        Map<String, Integer> out = new TreeMap<>();
        placed.stream()
                .filter(p -> p.input().isPoison() && p.input().expect().deadLetter())
                .forEach(p -> out.merge(p.input().expect().family(), 1, Integer::sum));
        return out;
    }

    long expectedDeadLetters() {
        return placed.stream()
                .filter(p -> p.input().isPoison() && p.input().expect().deadLetter())
                .count();
    }

    /**
     * Each poison record once, as expected (family and reason); no valid record in the dead letters.
     *
     * @param ignoredSeen whether ignored records were reported one by one (in-process); the app only counts them
     */
    void assertAsExpected(boolean ignoredSeen) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, List<String>> dead : deadLetters.entrySet()) {
            Placed p = byCoordinates.get(dead.getKey());
            if (p == null || !p.input().isPoison()) {
                problems.add("a valid record was dead-lettered: " + dead.getKey() + " " + dead.getValue());
            }
        }
        for (Placed p : placed) {
            if (!p.input().isPoison()) {
                continue;
            }
            String at = at(p.offset());
            PoisonRecords.Expectation expect = p.input().expect();
            List<String> dead = deadLetters.getOrDefault(at, List.of());
            List<String> skipped = ignored.getOrDefault(at, List.of());
            if (expect.deadLetter()) {
                if (dead.size() != 1
                        || !dead.get(0).startsWith(expect.family() + ": ")
                        || !dead.get(0).contains(expect.reasonFragment())) {
                    problems.add(p.input().category() + " " + at + ": expected one dead letter " + expect.family()
                            + " '" + expect.reasonFragment() + "', got " + dead + " ignored " + skipped);
                }
            } else if (!dead.isEmpty() || (ignoredSeen && !skipped.equals(List.of(expect.family())))) {
                problems.add(p.input().category() + " " + at + ": expected ignored " + expect.family() + ", got "
                        + skipped + " dead letters " + dead);
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " records not as expected, the first 20:\n  "
                    + String.join("\n  ", problems.subList(0, Math.min(20, problems.size()))));
        }
        assertEquals(expectedDeadLettersByFamily(), deadLettersByFamily());
    }

    void print(String test, int events, double seconds) {
        Map<String, Integer> byCategory = new TreeMap<>();
        placed.stream()
                .filter(p -> p.input().isPoison())
                .forEach(p -> byCategory.merge(p.input().category(), 1, Integer::sum));
        long poison = placed.stream().filter(p -> p.input().isPoison()).count();
        System.out.printf(
                "%s: %,d records in (%,d valid, %,d poison in %d categories), %,d events out, "
                        + "%,d dead letters %s, %,d poison ignored, in %.2f s%n",
                test,
                placed.size(),
                placed.size() - poison,
                poison,
                byCategory.size(),
                events,
                deadLetterCount(),
                deadLettersByFamily(),
                poison - expectedDeadLetters(),
                seconds);
        System.out.printf("%s: poison by category %s%n", test, byCategory);
    }
}
