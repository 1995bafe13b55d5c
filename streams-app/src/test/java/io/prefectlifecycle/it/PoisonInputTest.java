package io.prefectlifecycle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefectlifecycle.pipeline.Emission;
import io.prefectlifecycle.pipeline.InMemoryRowStore;
import io.prefectlifecycle.pipeline.InMemoryTransactionLog;
import io.prefectlifecycle.pipeline.InputRecord;
import io.prefectlifecycle.pipeline.LifecycleEngine;
import io.prefectlifecycle.pipeline.TransactionalPipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The poison of {@link PoisonRecords} through the pipeline in-process (what {@code transform} and the app run), for
 * speed: {@link PoisonInputIT} does the same through the app on a broker. Every poison record ends as its expectation
 * says, exactly once, and the valid records give exactly the events they give alone.
 */
class PoisonInputTest {

    static final long SEED = 20261126L;

    @Test
    void tenThousandPoisonRecordsAreDeadLetteredAndTheValidOnesGiveTheirExactEvents() throws Exception {
        List<String> valid = ValidStream.lines(2_000, SEED);
        PoisonRecords.Mix mix = PoisonRecords.mix(valid, 10_000, SEED, ValidStream.FERNET_KEY);
        List<String> expected = ReplayIT.transform(valid);

        long t0 = System.nanoTime();
        LifecycleEngine engine = new LifecycleEngine(new InMemoryRowStore(), Optional.empty(), false);
        TransactionalPipeline pipeline = new TransactionalPipeline(engine, new InMemoryTransactionLog(), Long.MAX_VALUE);
        PoisonOutcomes outcomes = new PoisonOutcomes(mix);
        List<String> events = new ArrayList<>();
        for (PoisonOutcomes.Placed placed : outcomes.placed()) {
            PoisonRecords.Input in = placed.input();
            record(pipeline.offer(new InputRecord(in.topic(), 0, placed.offset(), in.key(), in.value()), 0),
                    outcomes, events);
        }
        record(pipeline.flushAll(), outcomes, events);
        double seconds = (System.nanoTime() - t0) / 1e9;

        outcomes.print("PoisonInputTest", events.size(), seconds);
        outcomes.assertAsExpected(true);
        assertEquals(expected, events, "the valid records' events, byte for byte, ids included");
    }

    private static void record(List<Emission> emissions, PoisonOutcomes outcomes, List<String> events) {
        for (Emission emission : emissions) {
            InputRecord source = emission.source();
            emission.outcome().match(
                    e -> {
                        e.events().forEach(event -> events.add(event.toJson()));
                        return null;
                    },
                    skipped -> {
                        outcomes.ignored(source.topic(), source.offset(), skipped.reason());
                        return null;
                    },
                    dead -> {
                        outcomes.deadLetter(source.topic(), source.offset(), dead.reason(), dead.exceptionClass());
                        return null;
                    });
        }
    }
}
