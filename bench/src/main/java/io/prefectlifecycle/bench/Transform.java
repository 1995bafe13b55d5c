package io.prefectlifecycle.bench;

import io.prefectlifecycle.cdc.ChangeDecoder;
import io.prefectlifecycle.event.LifecycleEvent;
import io.prefectlifecycle.stream.ChangeStream;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InMemoryRowStore;
import io.prefectlifecycle.stream.InMemoryTransactionState;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.Outcome;
import io.prefectlifecycle.topology.StoreBackedRows;
import io.prefectlifecycle.topology.StoreBackedTransactionState;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The pure transformation of a corpus, as the app runs it: decode → row state and open transaction → payload → event
 * JSON bytes, through the public {@link ChangeStream}.
 */
public final class Transform {

    /**
     * Where the state lives: plain objects (as {@code transform}) or serialised by the app's own store adapters
     * ({@link StoreBackedRows}, {@link StoreBackedTransactionState}, with their caches) into an in-memory store.
     */
    public enum State {
        OBJECTS,
        SERIALIZED
    }

    /** What one run produced. */
    public record Result(long records, long events, long eventBytes, long deadLetters) {}

    private Transform() {}

    public static List<InputRecord> inputs(List<Corpus.Rec> corpus) {
        return java.util.stream.IntStream.range(0, corpus.size())
                .mapToObj(i -> corpus.get(i).input(i))
                .toList();
    }

    public static Result run(List<InputRecord> records, State state) {
        ChangeStream stream = state == State.OBJECTS
                ? new ChangeStream(
                        new InMemoryRowStore(),
                        new InMemoryTransactionState(),
                        Optional.empty(),
                        false,
                        new ChangeDecoder())
                : new ChangeStream(
                        new StoreBackedRows(new MapStore()),
                        new StoreBackedTransactionState(new MapStore()),
                        Optional.empty(),
                        false,
                        new ChangeDecoder());
        Counts counts = new Counts();
        for (InputRecord record : records) {
            stream.offer(record, counts);
        }
        return new Result(records.size(), counts.events, counts.bytes, counts.dead);
    }

    /** What the emissions come to: events written as Prefect's JSON bytes, as the app writes them. */
    private static final class Counts implements Consumer<Emission> {
        long events;
        long bytes;
        long dead;

        @Override
        public void accept(Emission emission) {
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
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        while (System.nanoTime() < end) {
            n += run(records, state).records();
        }
        double rate = n / ((System.nanoTime() - t0) / 1e9);
        double perCpuSecond = n / ((threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
        System.out.printf(
                java.util.Locale.ROOT,
                "%s: %.0f records/s, %.0f events/s; %.0f records per CPU-second "
                        + "of this thread (less sensitive to a busy machine)%n",
                state,
                rate,
                rate * first.events() / first.records(),
                perCpuSecond);
    }
}
