package io.prefectlifecycle.local;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL with Prefect's tables, a KRaft broker and a Connect worker, all owned by this process:
 * what {@code local} runs and what the integration tests capture from. PostgreSQL starts in parallel
 * with Kafka. The CDC topic ({@link #cdcTopic()}) exists before {@link #start()} returns, so a
 * Streams app can start before Debezium's first record. The connector is registered separately
 * ({@link #registerConnector()}), so a caller can seed rows for the initial snapshot first.
 */
public final class LocalStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final LocalPostgres postgres;
    private final LocalKafka kafka;
    private final LocalConnect connect;
    private final ConnectorDefinition connector;

    private LocalStack(LocalPostgres postgres, LocalKafka kafka, LocalConnect connect, ConnectorDefinition connector) {
        this.postgres = postgres;
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
            kafka.createTopics(List.of(connector.cdcTopic()));
            connect = LocalConnect.start(kafka.bootstrapServers());
            stack = new LocalStack(postgresStart.get(), kafka, connect, connector);
            log.info("local stack up in {}: {}, kafka {}, connect {}", Support.seconds(Support.since(t0)),
                    stack.postgres.coordinates(), kafka.bootstrapServers(), connect.restUrl());
            return stack;
        } catch (ExecutionException e) {
            throw new IOException("PostgreSQL failed to start: " + e.getCause(), e.getCause());
        } finally {
            if (stack == null) { // whatever failed, even an Error: stop what did start
                closeAll(connect, kafka, postgresOf(postgresStart));
            }
        }
    }

    /** Registers connect-config/prefect-connector.json against this stack's PostgreSQL and waits for RUNNING. */
    public ConnectorDefinition registerConnector() throws IOException, TimeoutException {
        return connect.registerConnector(postgres.coordinates());
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

    public LocalPostgres postgres() {
        return postgres;
    }

    public LocalKafka kafka() {
        return kafka;
    }

    public LocalConnect connect() {
        return connect;
    }

    /** Connect first (the slot goes idle), then Kafka, then PostgreSQL (which drops the slot first). */
    @Override
    public void close() {
        long t0 = System.nanoTime();
        closeAll(connect, kafka, postgres);
        log.info("local stack stopped in {}", Support.seconds(Support.since(t0)));
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
                log.warn("{} did not close cleanly: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
