package io.prefectlifecycle.bench;

import io.prefectlifecycle.stream.InputRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The pure transformation, one thread, per input record: {@value #RECORDS} records of the mixed {@link Corpus} (the
 * preamble and 1,000 cycles; 6 events per 30 records) through a fresh {@code ChangeStream} per invocation. Events per
 * second = score × 0.2. {@code objects}: state as plain objects ({@code transform}); {@code serialized}: state
 * serialised by the app's own store adapters (without RocksDB). {@code jacksonBaseline}: the same records only parsed
 * into a tree and written back, the naive floor the transformation is compared with.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class TransformBench {

    static final int CYCLES = 1_000;
    static final int RECORDS = 30_000 + 3 * 19;

    private List<InputRecord> records;

    @Setup(Level.Trial)
    public void corpus() {
        records = Transform.inputs(Corpus.generate(CYCLES));
        if (records.size() != RECORDS) {
            throw new IllegalStateException("corpus has " + records.size() + " records, not " + RECORDS);
        }
        Transform.Result result = Transform.run(records, Transform.State.OBJECTS);
        if (result.deadLetters() != 0 || result.events() < (long) CYCLES * Corpus.EVENTS_PER_CYCLE) {
            throw new IllegalStateException("unexpected corpus outcome " + result);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public Transform.Result objects() {
        return Transform.run(records, Transform.State.OBJECTS);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public Transform.Result serialized() {
        return Transform.run(records, Transform.State.SERIALIZED);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public long jacksonBaseline() {
        return JacksonBaseline.run(records);
    }
}
