package io.prefectlifecycle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU time of this process's threads by name, native ones included (RocksDB's background threads), from
 * {@code /proc/self/task/<tid>/stat}: where a run's CPU per record went. Linux only; elsewhere empty.
 */
final class ThreadCpu {

    private static final double TICKS_PER_SECOND = 100.0;

    private ThreadCpu() {}

    /** Thread name (numbers and ids folded) → CPU ticks so far, summed over threads of that name. */
    static Map<String, Long> byName() {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                            .replaceAll("[0-9a-f]{8}-[0-9a-f-]{27}", "<id>")
                            .replaceAll("\\d+", "N");
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.merge(name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // a thread that ended meanwhile
                }
            });
        } catch (IOException e) {
            return Map.of();
        }
        return ticks;
    }

    /** The {@code n} names that used the most CPU between the two readings, in µs per record. */
    static String top(Map<String, Long> before, Map<String, Long> after, long records, int n) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .limit(n)
                .map(e -> String.format(
                        Locale.ROOT, "%s=%.1f", e.getKey(), e.getValue() / TICKS_PER_SECOND * 1e6 / records))
                .collect(Collectors.joining(" ", "µs/record: ", ""));
    }
}
