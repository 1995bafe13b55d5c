package io.prefectlifecycle.it;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.it.ReliabilityWorkload.Expected;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Fault 3 of the reliability suite: the Kafka broker stopped for {@value #OUTAGE_SECONDS} s in the middle of
 * Prefect's writes and started again (same port, same log dirs), while Connect with Debezium and the app keep
 * running. Nobody restarts anything: the app and the connector must resume by themselves, and every event comes out
 * once, with the ids and bytes of a fault-free {@code transform} over the same CDC records.
 */
class BrokerOutageIT {
    private static final int OUTAGE_SECONDS = 30;

    @Test
    void brokerOutageLosesAndDuplicatesNothing() throws Exception {
        long seed = Long.getLong("reliability.seed", new Random().nextLong());
        System.out.println("BrokerOutageIT seed " + seed + " (repeat with -Dreliability.seed=" + seed + ")");
        long changes = ReliabilityRun.changesToWrite();
        ReliabilityRun run = ReliabilityRun.start("BrokerOutageIT", Map.of());
        try (run) {
            Future<Expected> writing = run.startWorkload(changes, ReliabilityRun.FULL ? 1000 : 250, seed);
            await("a third of the workload written").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50))
                    .until(() -> run.changesWritten() >= changes / 3);
            run.timings().lap("workload up to the outage");
            long committedBefore = run.committedInput();
            long writtenAtStop = run.changesWritten();
            run.stack().kafka().stop();
            run.timings().lap("broker stop");
            Thread.sleep(OUTAGE_SECONDS * 1000L); // the fault itself
            run.figure("broker down", OUTAGE_SECONDS + " s, from " + writtenAtStop + " to " + run.changesWritten()
                    + " changes written");
            long restarted = System.nanoTime();
            run.stack().kafka().restart();
            run.figure("broker restart -> serving", (System.nanoTime() - restarted) / 1_000_000 + " ms");
            run.timings().lap("broker outage and restart");

            Set<String> connectorStates = new LinkedHashSet<>();
            String connector = run.stack().connector().name();
            await("the app processing again").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        connectorStates.add(states(run.stack().connect().connectorStatus(connector)));
                        return run.committedInput() > committedBefore;
                    });
            run.figure("broker restart -> app commits new progress", (System.nanoTime() - restarted) / 1_000_000 + " ms");
            Expected expected = writing.get();
            run.timings().lap("workload done");
            run.awaitAllProcessed(expected, Duration.ofMinutes(5));
            connectorStates.add(states(run.stack().connect().connectorStatus(connector)));
            run.figure("connector states seen after the restart", connectorStates);
            run.figure("app restarts by the test", app(run).starts() - 1);
            run.verify(expected);
        } finally {
            run.report();
        }
    }

    private static AppProcess app(ReliabilityRun run) {
        return run.app();
    }

    private static String states(JsonNode status) {
        StringBuilder states = new StringBuilder("connector " + status.path("connector").path("state").asText());
        for (JsonNode task : status.path("tasks")) {
            states.append(", task ").append(task.path("id").asText()).append(' ').append(task.path("state").asText());
        }
        return states.toString();
    }
}
