package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.DatabaseCoordinates;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * PostgreSQL with Prefect's tables, a KRaft broker and a Connect worker, all owned by this process:
 * what {@code local} runs and what the integration tests capture from. PostgreSQL starts in parallel
 * with Kafka. The CDC topic ({@link #cdcTopic()}) exists before {@link #start()} returns, so a
 * Streams app can start before Debezium's first record. The connector is registered separately
 * ({@link #registerConnector()}), so a caller can seed rows for the initial snapshot first.
 *
 * <p>{@link #startCapturing} is the same stack around an existing database instead of its own PostgreSQL.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    /** PostgreSQL of this stack, or the existing database it captures. */
    private sealed interface Database {
        DatabaseCoordinates coordinates();

        Optional<String> problem();
    }

    private record Own(LocalPostgres postgres) implements Database {
        public DatabaseCoordinates coordinates() {
            return postgres.coordinates();
        }

        public Optional<String> problem() {
            return postgres.problem();
        }
    }

    private record Existing(DatabaseCoordinates coordinates, Supplier<Optional<String>> probe) implements Database {
        public Optional<String> problem() {
            return probe.get();
        }
    }

    private final Database database;
    private final LocalKafka kafka;
    private final LocalConnect connect;
    private final ConnectorDefinition connector;

    private LocalStack(Database database, LocalKafka kafka, LocalConnect connect, ConnectorDefinition connector) {
        this.database = database;
        this.kafka = kafka;
        this.connect = connect;
        this.connector = connector;
    }

    public static LocalStack start() throws IOException, TimeoutException, InterruptedException {
        long t0 = System.nanoTime();
        ConnectorDefinition connector = ConnectorDefinition.load();
        FutureTask<LocalPostgres> postgresStart = new FutureTask<>(() -> LocalPostgres.start(true));
        new Thread(postgresStart, "local-postgres-start").start();
        LocalKafka kafka = null;
        LocalConnect connect = null;
        LocalStack stack = null;
        try {
            kafka = LocalKafka.start();
            kafka.createTopics(topicsOf(connector));
            connect = LocalConnect.start(kafka.bootstrapServers());
            stack = new LocalStack(new Own(postgresStart.get()), kafka, connect, connector);
            log.info(
                    "local stack up in {}: {}, kafka {}, connect {}",
                    Support.seconds(Support.since(t0)),
                    stack.database.coordinates(),
                    kafka.bootstrapServers(),
                    connect.restUrl());
            return stack;
        } catch (ExecutionException e) {
            throw new IOException("PostgreSQL failed to start: " + e.getCause().getMessage(), e.getCause());
        } finally {
            if (stack == null) { // whatever failed, even an Error: stop what did start
                closeAll(connect, kafka, postgresOf(postgresStart));
            }
        }
    }

    /**
     * A broker (its log dirs in {@code kafkaDir}, kept on close) and a Connect worker around an existing database,
     * which this stack neither starts nor stops.
     *
     * @param probe empty while the database answers, else why not (see {@link #problem()})
     */
    public static LocalStack startCapturing(
            DatabaseCoordinates database, Supplier<Optional<String>> probe, Path kafkaDir)
            throws IOException, TimeoutException, InterruptedException {
        long t0 = System.nanoTime();
        ConnectorDefinition connector = ConnectorDefinition.load();
        LocalKafka kafka = null;
        LocalConnect connect = null;
        LocalStack stack = null;
        try {
            kafka = LocalKafka.startIn(kafkaDir);
            kafka.createTopics(topicsOf(connector));
            connect = LocalConnect.start(kafka.bootstrapServers());
            stack = new LocalStack(new Existing(database, probe), kafka, connect, connector);
            log.info(
                    "local stack up in {} around {}: kafka {}, connect {}",
                    Support.seconds(Support.since(t0)),
                    database,
                    kafka.bootstrapServers(),
                    connect.restUrl());
            return stack;
        } finally {
            if (stack == null) {
                closeAll(connect, kafka);
            }
        }
    }

    /** Registers connect-config/prefect-connector.json against this stack's PostgreSQL and waits for RUNNING. */
    public ConnectorDefinition registerConnector() throws IOException, TimeoutException {
        return connect.registerConnector(database.coordinates());
    }

    /**
     * Registers {@code definition} against this stack's database and waits for RUNNING. A connector of that name that
     * a kept broker still holds from an earlier run is deleted first (its credentials file is gone); its offsets stay,
     * so the new one resumes from them.
     */
    public ConnectorDefinition registerConnector(ConnectorDefinition definition) throws IOException, TimeoutException {
        connect.deleteConnector(definition.name(), Duration.ofSeconds(30));
        return connect.registerConnector(definition, database.coordinates(), Duration.ofSeconds(60));
    }

    /** Deletes the connector (its task stops and commits its offsets, which stay); a failure is logged. */
    public void removeConnector(String name) {
        try {
            connect.deleteConnector(name, Duration.ofSeconds(30));
        } catch (TimeoutException | RuntimeException e) {
            log.warn("could not delete connector {}: {}", name, e.getMessage());
        }
    }

    /**
     * Empty while PostgreSQL, the broker, the Connect worker and the connector with its task run; else the first that
     * does not, in one line.
     */
    public Optional<String> problem() {
        Optional<String> db = database.problem();
        if (db.isPresent()) {
            return db;
        }
        Optional<String> broker = kafka.problem();
        if (broker.isPresent()) {
            return broker;
        }
        return connect.problem(connector.name());
    }

    /** {@code prefect.cdc}: every captured table's changes and the BEGIN/END records, in commit order. */
    public String cdcTopic() {
        return connector.cdcTopic();
    }

    public ConnectorDefinition connector() {
        return connector;
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** This stack's own PostgreSQL. */
    public LocalPostgres postgres() {
        if (database instanceof Own own) {
            return own.postgres();
        }
        throw new IllegalStateException("this stack captures an existing database: " + database.coordinates());
    }

    /** Where the connector finds the database (the password included: it goes to the worker, never to a log). */
    public DatabaseCoordinates database() {
        return database.coordinates();
    }

    public LocalKafka kafka() {
        return kafka;
    }

    public LocalConnect connect() {
        return connect;
    }

    /**
     * Connect first (the slot goes idle), then Kafka, then this stack's PostgreSQL (which drops the slot first); an
     * existing database is left as it is.
     */
    @Override
    public void close() {
        long t0 = System.nanoTime();
        closeAll(connect, kafka, database instanceof Own own ? own.postgres() : null);
        log.info("local stack stopped in {}", Support.seconds(Support.since(t0)));
    }

    /** The CDC topic and Debezium's heartbeat topic, which would otherwise appear only with its first record. */
    private static List<String> topicsOf(ConnectorDefinition connector) {
        return List.of(connector.cdcTopic(), connector.heartbeatTopic());
    }

    private static LocalPostgres postgresOf(FutureTask<LocalPostgres> start) {
        try {
            return start.get();
        } catch (ExecutionException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void closeAll(AutoCloseable... parts) {
        for (AutoCloseable part : parts) {
            if (part == null) {
                continue;
            }
            try {
                part.close();
            } catch (Exception e) {
                log.warn("{} did not close cleanly: {}", part.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
