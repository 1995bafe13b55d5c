package io.prefectlifecycle.stream;

/** The outcome of one input record. Every record gets exactly one, possibly once its transaction is complete. */
public record Emission(InputRecord source, Outcome outcome) {}
