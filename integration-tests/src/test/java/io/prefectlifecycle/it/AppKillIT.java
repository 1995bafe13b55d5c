package io.prefectlifecycle.it;

import io.prefectlifecycle.testsupport.AppProcess;
import io.prefectlifecycle.testsupport.ReliabilityRun;
import io.prefectlifecycle.testsupport.ReliabilityWorkload.Expected;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;

/**
 * Fault 1 of the reliability suite: the app (its own JVM, exactly-once v2, one persistent state dir) SIGKILLed
 * {@value #KILLS} times at random points while Prefect's writes flow, and restarted each time. Every event comes out
 * once, with the ids and bytes of a fault-free {@code transform} over the same CDC records.
 *
 * <p>The kill points are drawn from a seed printed at the start; {@code -Dreliability.seed=<seed>} repeats them.
 */
class AppKillIT {
    private static final int KILLS = 10;

    @Test
    void appKilledAtRandomPointsLosesAndDuplicatesNothing() throws Exception {
        long seed = Long.getLong("reliability.seed", new Random().nextLong());
        System.out.println("AppKillIT seed " + seed + " (repeat with -Dreliability.seed=" + seed + ")");
        Random faults = new Random(seed);
        long changes = ReliabilityRun.changesToWrite();
        ReliabilityRun run = ReliabilityRun.start("AppKillIT", Map.of());
        try (run) {
            AppProcess app = run.app();
            Future<Expected> writing = run.startWorkload(
                    changes, ReliabilityRun.FULL ? 800 : 100, seed); // lasts about as long as the kills
            long committedAtKill = -1;
            for (int kill = 1; kill <= KILLS + 1; kill++) {
                long started = System.nanoTime();
                long before = committedAtKill;
                await("the app's start #" + app.starts() + " processing again")
                        .atMost(Duration.ofMinutes(3))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> app.latestLogContains("Kafka Streams REBALANCING -> RUNNING")
                                && (run.committedInput() > before || writing.isDone() && run.lag() == 0));
                long recoveryMs = (System.nanoTime() - started) / 1_000_000;
                if (kill > KILLS) {
                    run.figure("start #" + app.starts() + ": start -> processing", recoveryMs + " ms");
                    break;
                }
                Thread.sleep(500 + faults.nextInt(3500)); // a random point of its work
                long written = run.changesWritten();
                committedAtKill = run.committedInput();
                app.kill();
                run.figure(
                        "start #" + app.starts() + ": start -> processing; SIGKILL",
                        recoveryMs + " ms; at " + written + " changes written, " + run.lag()
                                + " CDC records unprocessed");
                app.start();
            }
            run.timings().lap(KILLS + " kills and restarts");
            Expected expected = writing.get();
            run.timings().lap("workload done");
            run.awaitAllProcessed(expected, Duration.ofMinutes(5));
            run.verify(expected);
        } finally {
            run.report();
        }
    }
}
