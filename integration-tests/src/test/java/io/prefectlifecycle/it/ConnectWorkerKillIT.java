package io.prefectlifecycle.it;

import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.local.LocalPostgres;
import io.prefectlifecycle.testdata.ProjectPaths;
import io.prefectlifecycle.testsupport.AppUnderTest;
import io.prefectlifecycle.testsupport.CdcRecordCounts;
import io.prefectlifecycle.testsupport.ChangeWorkload;
import io.prefectlifecycle.testsupport.CommittedRecords;
import io.prefectlifecycle.testsupport.ConnectWorkerProcess;
import io.prefectlifecycle.testsupport.ExactlyOnceCheck;
import io.prefectlifecycle.testsupport.PhaseTimings;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 2: the Kafka Connect worker running Debezium is killed with SIGKILL while committed changes are written to
 * PostgreSQL, and started again. Debezium sends again everything after its last offset flush (the flush interval is
 * long on purpose, so that there is a lot of it: the CDC topics hold the same changes and BEGIN/END records twice),
 * yet a read_committed consumer of the events sees exactly one event per committed change of a Prefect object, each
 * id once, none missing, no dead letter.
 *
 * <p>15,000 changes in the default build, 100,000 with {@code -Dreliability.full=true}. (It failed now and then while
 * the transaction timeout ran on a clock that a jump after the outage could advance past a cut transaction; with
 * the capped record-time clock it passed every run: docs/reliability-connect-slot.md.)
 */
class ConnectWorkerKillIT {
    private static final boolean FULL = Boolean.getBoolean("reliability.full");
    private static final long CHANGES = FULL ? 100_000 : 15_000;
    private static final Duration OFFSET_FLUSH = Duration.ofSeconds(5);
    private static final Map<String, String> WORKER = Map.of(
            "offset.flush.interval.ms",
            Long.toString(OFFSET_FLUSH.toMillis()),
            // a replacement worker gets the killed one's connector at once, not after the default 5 minutes
            "scheduled.rebalance.max.delay.ms",
            "0");

    @Test
    void workerKilledMidRunRedeliversButNoEventIsDuplicatedOrLost() throws Exception {
        PhaseTimings timings = new PhaseTimings("ConnectWorkerKillIT");
        TopologySettings settings = TopologySettings.defaults();
        ConnectorDefinition connector = ConnectorDefinition.load();
        List<String> cdcTopics = new ArrayList<>(List.of(connector.cdcTopic()));
        try (LocalPostgres postgres = LocalPostgres.start(true);
                LocalKafka kafka = LocalKafka.start();
                Admin admin = kafka.admin();
                Connection db = postgres.connect()) {
            List<String> topics = new ArrayList<>(cdcTopics);
            topics.addAll(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            kafka.createTopics(topics);
            timings.lap("PostgreSQL and Kafka up");
            ChangeWorkload workload = new ChangeWorkload(db, "kill", 2);
            ConnectWorkerProcess first = ConnectWorkerProcess.start(
                    kafka.bootstrapServers(), postgres.coordinates(), WORKER, "connect-worker-kill-it-1");
            ConnectWorkerProcess second = null;
            try (AppUnderTest app = AppUnderTest.start(kafka.bootstrapServers(), settings, Map.of());
                    CommittedRecords events = new CommittedRecords(kafka.bootstrapServers(), settings.eventsTopic());
                    CommittedRecords deadLetters =
                            new CommittedRecords(kafka.bootstrapServers(), settings.deadLetterTopic())) {
                first.rest().putConnector(connector, Duration.ofSeconds(90));
                app.awaitRunning(Duration.ofSeconds(60));
                timings.lap("worker 1 (pid " + first.pid() + ") and connector RUNNING, app RUNNING");

                long t0 = System.nanoTime();
                CompletableFuture<Long> writing = CompletableFuture.supplyAsync(() -> {
                    try {
                        return workload.run(CHANGES, () -> false);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // kill in the middle of the workload, after an offset flush: what was sent since is sent again
                long flushes = awaitOffsetFlushes(admin, 1, Duration.ofSeconds(120));
                await("half the changes written")
                        .atMost(Duration.ofMinutes(10))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> workload.changes() >= CHANGES / 2);
                long writtenAtKill = workload.changes();
                first.kill();
                long killedAt = System.nanoTime();
                timings.lap("worker 1 SIGKILLed after " + flushes + " offset flushes, " + writtenAtKill
                        + " changes written, workload still running: " + !writing.isDone());

                second = ConnectWorkerProcess.start(
                        kafka.bootstrapServers(), postgres.coordinates(), WORKER, "connect-worker-kill-it-2");
                second.rest().awaitRunning(connector.name(), Duration.ofSeconds(120));
                double recovery = (System.nanoTime() - killedAt) / 1e9;
                timings.lap("worker 2 (pid " + second.pid() + ") up, connector RUNNING on it again");

                long written = writing.get(15, TimeUnit.MINUTES);
                double writeSeconds = (System.nanoTime() - t0) / 1e9;
                String sentinel = workload.sentinel();
                timings.lap(
                        "workload committed " + written + " changes in " + workload.transactions() + " transactions");
                events.awaitKey(sentinel, Duration.ofMinutes(10));
                ExactlyOnceCheck.awaitAppCaughtUp(admin, settings, cdcTopics, Duration.ofMinutes(5));
                timings.lap("the app caught up (sentinel's event read)");
                events.readToEnd(Duration.ofSeconds(60));
                deadLetters.readToEnd(Duration.ofSeconds(60));

                CdcRecordCounts cdc = CdcRecordCounts.read(
                        kafka.bootstrapServers(),
                        cdcTopics,
                        ProjectPaths.root().resolve("streams-app/target/connect-worker-kill-it-cdc.tsv"));
                System.out.printf(
                        "ConnectWorkerKillIT mode %s: changes written %d (+1 sentinel) in %d transactions, "
                                + "%.1f s (%.0f changes/s); killed at %d changes; worker restart -> connector RUNNING %.1f s%n",
                        FULL ? "full" : "ci",
                        written,
                        workload.transactions(),
                        writeSeconds,
                        written / writeSeconds,
                        writtenAtKill,
                        recovery);
                System.out.println("ConnectWorkerKillIT " + cdc);
                Files.write(
                        ProjectPaths.root().resolve("streams-app/target/connect-worker-kill-it-events.jsonl"),
                        events.all().stream()
                                .map(CommittedRecords.Received::value)
                                .toList());
                ExactlyOnceCheck.Figures figures =
                        ExactlyOnceCheck.verify(events.all(), deadLetters.all(), workload.expected());
                System.out.println("ConnectWorkerKillIT " + figures);
                assertTrue(
                        cdc.duplicateChanges() > 0,
                        "the kill made Debezium send changes again (else this test proves nothing): " + cdc);
            } finally {
                first.close();
                if (second != null) {
                    second.close();
                }
                timings.print();
            }
        }
    }

    /** Waits until the worker has written {@code count} offset commits to {@code _connect-offsets}; returns them. */
    private static long awaitOffsetFlushes(Admin admin, long count, Duration timeout) {
        TopicPartition offsets = new TopicPartition("_connect-offsets", 0);
        return await("offset flushes")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> admin.listOffsets(Map.of(offsets, OffsetSpec.latest()))
                                .all()
                                .get()
                                .get(offsets)
                                .offset(),
                        n -> n >= count);
    }
}
