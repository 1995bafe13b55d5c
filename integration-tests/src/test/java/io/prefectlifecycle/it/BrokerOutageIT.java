package io.prefectlifecycle.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.prefectlifecycle.testsupport.ReliabilityRun;
import io.prefectlifecycle.testsupport.ReliabilityWorkload.Expected;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;

import static org.awaitility.Awaitility.await;

/**
 * Fault 3 of the reliability suite: the Kafka broker stopped for 30 s (15 s without {@code -Dreliability.full=true}) in the middle of
 * Prefect's writes and started again (same port, same log dirs), while Connect with Debezium and the app keep
 * running. Nobody restarts anything: the app and the connector must resume by themselves, and every event comes out
 * once, with the ids and bytes of a fault-free {@code transform} over the same CDC records.
 */
class BrokerOutageIT {
    /** Longer than the app's transaction timeout (5 s) and Connect's worker session (10 s) in both modes. */
    private static final int OUTAGE_SECONDS = ReliabilityRun.FULL ? 30 : 15;

    @Test
    void brokerOutageLosesAndDuplicatesNothing() throws Exception {
        long seed = Long.getLong("reliability.seed", new Random().nextLong());
        System.out.println("BrokerOutageIT seed " + seed + " (repeat with -Dreliability.seed=" + seed + ")");
        long changes = ReliabilityRun.changesToWrite();
        ReliabilityRun run = ReliabilityRun.start("BrokerOutageIT", Map.of());
        try (run) {
            Future<Expected> writing = run.startWorkload(changes, ReliabilityRun.FULL ? 1000 : 250, seed);
            await("a third of the workload written")
                    .atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> run.changesWritten() >= changes / 3);
            run.timings().lap("workload up to the outage");
            long committedBefore = run.committedInput();
            long writtenAtStop = run.changesWritten();
            run.stack().kafka().stop();
            run.timings().lap("broker stop");
            String connector = run.stack().connector().name();
            Set<String> statesDuringOutage = new LinkedHashSet<>();
            long outageEnd = System.nanoTime() + OUTAGE_SECONDS * 1_000_000_000L;
            while (System.nanoTime() < outageEnd) { // the fault itself, watched through Connect's REST API
                statesDuringOutage.add(status(run, connector));
                Thread.sleep(Math.max(0, Math.min(1000, (outageEnd - System.nanoTime()) / 1_000_000)));
            }
            run.figure("connector states seen during the outage", statesDuringOutage);
            run.figure(
                    "broker down",
                    OUTAGE_SECONDS + " s, from " + writtenAtStop + " to " + run.changesWritten() + " changes written");
            long restarted = System.nanoTime();
            run.stack().kafka().restart();
            run.figure("broker restart -> serving", (System.nanoTime() - restarted) / 1_000_000 + " ms");
            run.timings().lap("broker outage and restart");

            Set<String> connectorStates = new LinkedHashSet<>();
            await("the app processing again")
                    .atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        connectorStates.add(status(run, connector));
                        return run.committedInput() > committedBefore;
                    });
            run.figure(
                    "broker restart -> app commits new progress", (System.nanoTime() - restarted) / 1_000_000 + " ms");
            Expected expected = writing.get();
            run.timings().lap("workload done");
            run.awaitAllProcessed(expected, Duration.ofMinutes(5));
            connectorStates.add(status(run, connector));
            run.figure("connector states seen after the restart", connectorStates);
            run.figure("app restarts by the test", run.app().starts() - 1);
            run.verify(expected);
        } finally {
            run.report();
        }
    }

    private static String status(ReliabilityRun run, String connector) {
        try {
            return states(run.stack().connect().connectorStatus(connector));
        } catch (Exception e) {
            return "REST API: " + e;
        }
    }

    private static String states(JsonNode status) {
        StringBuilder states = new StringBuilder(
                "connector " + status.path("connector").path("state").asText());
        for (JsonNode task : status.path("tasks")) {
            states.append(", task ")
                    .append(task.path("id").asText())
                    .append(' ')
                    .append(task.path("state").asText());
        }
        return states.toString();
    }
}
