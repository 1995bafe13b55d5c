package io.prefectlifecycle.it;

import io.prefectlifecycle.golden.TopologyHarness;
import io.prefectlifecycle.stream.Emission;
import io.prefectlifecycle.topology.TopologySettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The poison of {@link PoisonRecords} through the app's topology in a {@code TopologyTestDriver}
 * ({@link TopologyHarness}), for speed: {@link PoisonInputIT} does the same through the app on a broker. Every poison
 * record ends as its expectation says, exactly once, and the valid records give exactly the events they give alone.
 */
class PoisonInputTest {

    static final long SEED = 20261126L;

    @Test
    void tenThousandPoisonRecordsAreDeadLetteredAndTheValidOnesGiveTheirExactEvents() throws Exception {
        List<String> valid = ValidStream.lines(2_000, SEED);
        PoisonRecords.Mix mix = PoisonRecords.mix(valid, 10_000, SEED, ValidStream.FERNET_KEY);
        List<String> expected = ReplayIT.transform(valid);

        long t0 = System.nanoTime();
        PoisonOutcomes outcomes = new PoisonOutcomes(mix);
        List<String> events;
        try (TopologyHarness harness = new TopologyHarness(TopologySettings.defaults())) {
            for (PoisonOutcomes.Placed placed : outcomes.placed()) {
                harness.pipe(placed.input().key(), placed.input().value()); // at offset placed.offset()
            }
            harness.endInput();
            harness.outcomes().forEach(emission -> record(emission, outcomes));
            events =
                    harness.events().stream().map(TopologyHarness.Output::value).toList();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;

        outcomes.print("PoisonInputTest", events.size(), seconds);
        outcomes.assertAsExpected(true);
        assertEquals(expected, events, "the valid records' events, byte for byte, ids included");
    }

    private static void record(Emission emission, PoisonOutcomes outcomes) {
        long offset = emission.source().offset();
        emission.outcome()
                .match(
                        events -> null,
                        skipped -> {
                            outcomes.ignored(offset, skipped.category().label());
                            return null;
                        },
                        dead -> {
                            outcomes.deadLetter(offset, dead.category().label(), dead.reason());
                            return null;
                        });
    }
}
