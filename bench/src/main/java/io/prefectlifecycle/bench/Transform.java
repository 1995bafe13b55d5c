package io.prefectlifecycle.bench;

import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InMemoryRowStore;
import io.prefectlifecycle.pipeline.InMemoryTransactionLog;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.stream.Outcome;
import io.prefectlifecycle.pipeline.TransactionalPipeline;
import io.prefectlifecycle.topology.BenchState;
import io.prefectlifecycle.topology.TopologySettings;

import java.util.List;
import java.util.Optional;

/** The pure transformation of a corpus: decode → transaction buffer → payload → event JSON bytes. */
public final class Transform {

    /** Where the state lives: plain objects (as {@code transform}) or serialised as the app stores it. */
    public enum State { OBJECTS, SERIALIZED }

    /** What one run produced. */
    public record Result(long records, long events, long eventBytes, long deadLetters) {
    }

    private Transform() {
    }

    public static List<InputRecord> inputs(List<Corpus.Rec> corpus) {
        return java.util.stream.IntStream.range(0, corpus.size()).mapToObj(i -> corpus.get(i).input(i)).toList();
    }

    public static Result run(List<InputRecord> records, State state) {
        LifecycleEngine engine = state == State.OBJECTS
                ? new LifecycleEngine(new InMemoryRowStore(), Optional.empty(), false)
                : new LifecycleEngine(BenchState.rows(), Optional.empty(), false);
        TransactionalPipeline pipeline = new TransactionalPipeline(engine,
                state == State.OBJECTS ? new InMemoryTransactionLog() : BenchState.transactionLog(),
                TopologySettings.DEFAULT_TRANSACTION_TIMEOUT.toMillis());
        long events = 0;
        long bytes = 0;
        long dead = 0;
        long now = 0;
        for (InputRecord record : records) {
            for (Emission emission : pipeline.offer(record, now)) {
                Outcome outcome = emission.outcome();
                if (outcome instanceof Outcome.Events e) {
                    for (LifecycleEvent event : e.events()) {
                        bytes += event.toJsonBytes().length;
                        events++;
                    }
                } else if (outcome instanceof Outcome.DeadLetter) {
                    dead++;
                }
            }
        }
        return new Result(records.size(), events, bytes, dead);
    }

    /** A quick check and a loop to attach a profiler to: {@code Transform [objects|serialized] [seconds]}. */
    public static void main(String[] args) {
        State state = args.length > 0 ? State.valueOf(args[0].toUpperCase(java.util.Locale.ROOT)) : State.OBJECTS;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 20;
        List<InputRecord> records = inputs(Corpus.ofSize(30_000));
        Result first = run(records, state);
        System.out.println("corpus: " + first);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long n = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() < end) {
            n += run(records, state).records();
        }
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        System.out.printf(java.util.Locale.ROOT, "%s: %.0f records/s, %.0f events/s%n", state, rate,
                rate * first.events() / first.records());
    }
}
