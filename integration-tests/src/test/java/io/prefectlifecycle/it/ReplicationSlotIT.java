package io.prefectlifecycle.it;

import io.prefectlifecycle.it.SlotLag.Sample;
import io.prefectlifecycle.local.ConnectorDefinition;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.local.LocalPostgres;
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

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fault 6, the replication slot and its WAL. Prefect's busy tables ({@code flow_run}, {@code log}) are not captured;
 * while only they are written, Debezium receives nothing and, without heartbeats, never confirms a newer position:
 * PostgreSQL keeps all that WAL for the slot. With the shipped connector's heartbeats (an action query writing the
 * captured {@code prefect_cdc_heartbeat} table) the slot's lag stays bounded. Then the connector is restarted through
 * the REST API and its worker is restarted, both in the middle of captured writes: no change is lost or duplicated.
 *
 * <p>{@code -Dreliability.full=true}: 60 s of uncaptured writes per phase with the shipped 10 s heartbeat, and 30,000
 * captured changes; else 20 s with a 2 s heartbeat, and 6,000 changes.
 */
class ReplicationSlotIT {
    private static final boolean FULL = Boolean.getBoolean("reliability.full");
    private static final Duration BUSY = Duration.ofSeconds(FULL ? 60 : 20);
    private static final long CHANGES = FULL ? 30_000 : 6_000;
    private static final Duration OFFSET_FLUSH = Duration.ofSeconds(5);
    /** Paced, so that both restarts fall in the middle of the captured writes however fast the machine is. */
    private static final int CAPTURED_TRANSACTIONS_PER_SECOND = FULL ? 500 : 200;
    /** Slack on top of heartbeat + offset flush in the lag bound: status updates, a slow sample, a busy machine. */
    private static final Duration SLACK = Duration.ofSeconds(5);

    private static final Map<String, String> WORKER = Map.of(
            "offset.flush.interval.ms",
            Long.toString(OFFSET_FLUSH.toMillis()),
            "scheduled.rebalance.max.delay.ms",
            "0");
    /** Uncaptured tables shaped after Prefect's (only the columns that make WAL matter here). */
    private static final String UNCAPTURED_TABLES = """
            CREATE TABLE flow_run (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
                created TIMESTAMPTZ NOT NULL DEFAULT now(), updated TIMESTAMPTZ NOT NULL DEFAULT now(),
                name VARCHAR NOT NULL, state_type VARCHAR, state_name VARCHAR, run_count INTEGER NOT NULL DEFAULT 0,
                parameters JSONB NOT NULL DEFAULT '{}');
            CREATE INDEX ix_flow_run__running ON flow_run (state_type) WHERE state_type = 'RUNNING';
            CREATE TABLE log (id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
                created TIMESTAMPTZ NOT NULL DEFAULT now(), updated TIMESTAMPTZ NOT NULL DEFAULT now(),
                name VARCHAR NOT NULL, level SMALLINT NOT NULL, flow_run_id UUID, task_run_id UUID,
                message TEXT NOT NULL, timestamp TIMESTAMPTZ NOT NULL DEFAULT now());
            """;

    /** What one phase of uncaptured writes did to the slot. */
    private record Phase(
            String name,
            double seconds,
            long walWritten,
            long maxConfirmedLag,
            long maxRetained,
            long finalConfirmedLag,
            long maxConfirmedLagAfterWarmUp,
            String series) {
        double walPerSecond() {
            return walWritten / seconds;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%s: %.0f s, WAL written %.1f MB (%.2f MB/s); slot lag behind "
                            + "confirmed_flush_lsn max %.1f MB (after warm-up %.1f MB), at the end %.1f MB; retained "
                            + "(restart_lsn) max %.1f MB; series t:confirmed/retained %s",
                    name,
                    seconds,
                    SlotLag.mb(walWritten),
                    SlotLag.mb((long) walPerSecond()),
                    SlotLag.mb(maxConfirmedLag),
                    SlotLag.mb(maxConfirmedLagAfterWarmUp),
                    SlotLag.mb(finalConfirmedLag),
                    SlotLag.mb(maxRetained),
                    series);
        }
    }

    @Test
    void heartbeatsBoundTheSlotsWalAndRestartsLoseNoChange() throws Exception {
        PhaseTimings timings = new PhaseTimings("ReplicationSlotIT");
        TopologySettings settings = TopologySettings.defaults();
        ConnectorDefinition shipped = ConnectorDefinition.load();
        Duration heartbeat = FULL
                ? Duration.ofMillis(Long.parseLong(shipped.config().get("heartbeat.interval.ms")))
                : Duration.ofSeconds(2);
        ConnectorDefinition withHeartbeats =
                shipped.with(Map.of("heartbeat.interval.ms", Long.toString(heartbeat.toMillis())));
        ConnectorDefinition withoutHeartbeats = shipped.with(Map.of("heartbeat.interval.ms", "0"));
        List<String> cdcTopics = new ArrayList<>(List.of(shipped.cdcTopic()));
        try (LocalPostgres postgres = LocalPostgres.start(true);
                LocalKafka kafka = LocalKafka.start();
                Admin admin = kafka.admin();
                Connection db = postgres.connect();
                Connection busyDb = postgres.connect();
                Connection monitorDb = postgres.connect()) {
            try (Statement ddl = db.createStatement()) {
                ddl.execute(UNCAPTURED_TABLES);
            }
            List<String> topics = new ArrayList<>(cdcTopics);
            topics.addAll(List.of(settings.eventsTopic(), settings.deadLetterTopic()));
            kafka.createTopics(topics);
            timings.lap("PostgreSQL and Kafka up");
            ConnectWorkerProcess worker = ConnectWorkerProcess.start(
                    kafka.bootstrapServers(), postgres.coordinates(), WORKER, "replication-slot-it-1");
            try (AppUnderTest app = AppUnderTest.start(kafka.bootstrapServers(), settings, Map.of());
                    CommittedRecords events = new CommittedRecords(kafka.bootstrapServers(), settings.eventsTopic());
                    CommittedRecords deadLetters =
                            new CommittedRecords(kafka.bootstrapServers(), settings.deadLetterTopic())) {
                worker.rest().putConnector(withoutHeartbeats, Duration.ofSeconds(90));
                app.awaitRunning(Duration.ofSeconds(60));
                timings.lap("worker, connector (no heartbeats) and app RUNNING");

                Phase without = busyUncaptured("without heartbeats", busyDb, monitorDb, shipped.slotName(), heartbeat);
                System.out.println("ReplicationSlotIT " + without);
                timings.lap("uncaptured writes, no heartbeats");

                worker.rest().putConnector(withHeartbeats, Duration.ofSeconds(90));
                awaitHeartbeatDelivered(admin, shipped);
                timings.lap("connector reconfigured with heartbeats, first heartbeat delivered");
                Phase with = busyUncaptured(
                        "with heartbeats every " + heartbeat.toSeconds() + " s",
                        busyDb,
                        monitorDb,
                        shipped.slotName(),
                        heartbeat);
                System.out.println("ReplicationSlotIT " + with);
                timings.lap("uncaptured writes, heartbeats");

                long bound = (long) (with.walPerSecond()
                        * (heartbeat.plus(OFFSET_FLUSH).plus(SLACK).toMillis() / 1000.0));
                System.out.printf(
                        Locale.ROOT,
                        "ReplicationSlotIT lag bound with heartbeats: %.1f MB (WAL rate x "
                                + "(heartbeat + offset flush + %d s)); without heartbeats the lag at the end was %.0f%% of "
                                + "the WAL written in the phase%n",
                        SlotLag.mb(bound),
                        SLACK.toSeconds(),
                        100.0 * without.finalConfirmedLag() / without.walWritten());
                assertTrue(
                        with.maxConfirmedLagAfterWarmUp() <= bound,
                        "with heartbeats the slot's lag stays within " + SlotLag.mb(bound) + " MB: " + with);

                // restarts in the middle of captured writes
                ChangeWorkload workload = new ChangeWorkload(db, "slot", 6);
                CompletableFuture<Long> writing = CompletableFuture.supplyAsync(() -> {
                    try {
                        return workload.run(CHANGES, () -> false, CAPTURED_TRANSACTIONS_PER_SECOND);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                awaitWritten(workload, CHANGES / 3);
                long t = System.nanoTime();
                worker.rest().restart(shipped.name(), false, Duration.ofSeconds(90));
                double restRestart = (System.nanoTime() - t) / 1e9;
                long atRestRestart = workload.changes();
                timings.lap("REST restart of connector and task at " + atRestRestart + " changes");

                awaitWritten(workload, 2 * CHANGES / 3);
                long atWorkerRestart = workload.changes();
                t = System.nanoTime();
                worker.close(); // SIGTERM: the worker stops its task, flushing offsets, and leaves the group
                worker = ConnectWorkerProcess.start(
                        kafka.bootstrapServers(), postgres.coordinates(), WORKER, "replication-slot-it-2");
                worker.rest().awaitRunning(shipped.name(), Duration.ofSeconds(120));
                double workerRestart = (System.nanoTime() - t) / 1e9;
                timings.lap("worker restarted (SIGTERM, new worker) at " + atWorkerRestart + " changes");

                long written = writing.get(10, TimeUnit.MINUTES);
                String sentinel = workload.sentinel();
                events.awaitKey(sentinel, Duration.ofMinutes(5));
                ExactlyOnceCheck.awaitAppCaughtUp(admin, settings, cdcTopics, Duration.ofMinutes(5));
                events.readToEnd(Duration.ofSeconds(60));
                deadLetters.readToEnd(Duration.ofSeconds(60));
                timings.lap("captured writes done, the app caught up");

                CdcRecordCounts cdc = CdcRecordCounts.read(kafka.bootstrapServers(), cdcTopics);
                System.out.printf(
                        Locale.ROOT,
                        "ReplicationSlotIT mode %s: changes written %d (+1 sentinel) in %d "
                                + "transactions; REST restart (connector + task) at %d changes, RUNNING again in %.1f s; "
                                + "worker restart at %d changes, connector RUNNING on the new worker in %.1f s%n",
                        FULL ? "full" : "ci",
                        written,
                        workload.transactions(),
                        atRestRestart,
                        restRestart,
                        atWorkerRestart,
                        workerRestart);
                System.out.println("ReplicationSlotIT " + cdc);
                ExactlyOnceCheck.Figures figures =
                        ExactlyOnceCheck.verify(events.all(), deadLetters.all(), workload.expected());
                System.out.println("ReplicationSlotIT " + figures);
            } finally {
                worker.close();
                timings.print();
            }
        }
    }

    /**
     * Writes hard to the uncaptured tables for {@link #BUSY} while sampling the slot; warm-up is the first
     * heartbeat interval plus an offset flush, before which a heartbeat cannot have been confirmed yet.
     */
    private static Phase busyUncaptured(
            String name, Connection busyDb, Connection monitorDb, String slot, Duration heartbeat) throws Exception {
        long walBefore = SlotLag.currentWal(monitorDb);
        long t0 = System.nanoTime();
        List<Sample> samples;
        SlotLag lag = new SlotLag(monitorDb, slot);
        try (Statement statement = busyDb.createStatement()) {
            busyDb.setAutoCommit(true);
            long deadline = t0 + BUSY.toNanos();
            int round = 0;
            while (System.nanoTime() < deadline) {
                round++;
                statement.execute(
                        "INSERT INTO log (name, level, flow_run_id, message) SELECT 'prefect.flow_runs', 20,"
                                + " gen_random_uuid(), repeat('Finished in state Completed() ', 8) || g FROM generate_series(1, 500) g");
                statement.execute("INSERT INTO flow_run (name, state_type, state_name) SELECT 'run-" + round
                        + "-' || g," + " 'RUNNING', 'Running' FROM generate_series(1, 50) g");
                statement.execute("UPDATE flow_run SET state_type = 'COMPLETED', state_name = 'Completed',"
                        + " run_count = run_count + 1, updated = now() WHERE state_type = 'RUNNING'");
            }
        } finally {
            lag.close();
            samples = lag.samples();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long walWritten = SlotLag.currentWal(monitorDb) - walBefore;
        double warmUp = heartbeat.plus(OFFSET_FLUSH).toMillis() / 1000.0;
        Sample last = samples.get(samples.size() - 1);
        return new Phase(
                name,
                seconds,
                walWritten,
                samples.stream().mapToLong(Sample::confirmedLag).max().orElse(0),
                samples.stream().mapToLong(Sample::retained).max().orElse(0),
                last.confirmedLag(),
                samples.stream()
                        .filter(s -> s.seconds() >= warmUp)
                        .mapToLong(Sample::confirmedLag)
                        .max()
                        .orElse(0),
                lag.series(BUSY.toSeconds() / 20.0));
    }

    /**
     * Waits until Debezium has delivered a record written after this call: in this test's quiet stretches (only tables
     * Debezium does not capture are written), the heartbeat's.
     */
    private static void awaitHeartbeatDelivered(Admin admin, ConnectorDefinition connector) {
        TopicPartition heartbeats = new TopicPartition(connector.cdcTopic(), 0);
        long before = endOffset(admin, heartbeats);
        await("a heartbeat delivered")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> endOffset(admin, heartbeats) > before);
    }

    private static long endOffset(Admin admin, TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest()))
                    .all()
                    .get()
                    .get(partition)
                    .offset();
        } catch (ExecutionException e) {
            return 0; // Debezium creates the topic with its first record
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitWritten(ChangeWorkload workload, long changes) {
        await(changes + " changes written")
                .atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> workload.changes() >= changes);
    }
}
