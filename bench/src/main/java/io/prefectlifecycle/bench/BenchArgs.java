package io.prefectlifecycle.bench;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The benchmarks' command line: {@code name=value} words ({@code name} alone means {@code true}). */
final class BenchArgs {
    private BenchArgs() {}

    static Map<String, String> parse(String[] args) {
        return Stream.of(args)
                .map(a -> a.split("=", 2))
                .collect(Collectors.toMap(a -> a[0], a -> a.length > 1 ? a[1] : "true"));
    }

    /** A comma-separated list of numbers, such as {@code partitions=1,2,4}. */
    static List<Integer> numbers(Map<String, String> opts, String name, String fallback) {
        return Stream.of(opts.getOrDefault(name, fallback).split(","))
                .map(Integer::parseInt)
                .toList();
    }
}
