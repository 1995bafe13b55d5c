package io.prefectlifecycle.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.stream.InMemoryRowStore;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.stream.ChangeStream;
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
        ChangeStream stream = ChangeStream.inMemory(Optional.empty(), false);
        PoisonOutcomes outcomes = new PoisonOutcomes(mix);
        List<String> events = new ArrayList<>();
        for (PoisonOutcomes.Placed placed : outcomes.placed()) {
            PoisonRecords.Input in = placed.input();
            stream.offer(new InputRecord(in.topic(), 0, placed.offset(), in.key(), in.value()),
                    emission -> record(emission, outcomes, events));
        }
        stream.endOfInput(emission -> record(emission, outcomes, events));
        double seconds = (System.nanoTime() - t0) / 1e9;

        outcomes.print("PoisonInputTest", events.size(), seconds);
        outcomes.assertAsExpected(true);
        assertEquals(expected, events, "the valid records' events, byte for byte, ids included");
    }

    private static void record(Emission emission, PoisonOutcomes outcomes, List<String> events) {
        {
            InputRecord source = emission.source();
            emission.outcome().match(
                    e -> {
                        e.events().forEach(event -> events.add(event.toJson()));
                        return null;
                    },
                    skipped -> {
                        outcomes.ignored(source.offset(), skipped.category().label());
                        return null;
                    },
                    dead -> {
                        outcomes.deadLetter(source.offset(), dead.category().label(), dead.reason());
                        return null;
                    });
        }
    }
}
