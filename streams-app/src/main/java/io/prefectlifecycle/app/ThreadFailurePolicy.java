package io.prefectlifecycle.app;

import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.LockException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What to do when a stream thread dies. A transient error (a retriable Kafka error, a task that moved or whose state
 * is being recovered, a state directory lock) replaces the thread; anything else (authentication, authorization, an
 * unsupported broker, a bug that would fail again on the same record) shuts this instance down with the cause logged,
 * and {@code run} exits non-zero so the orchestrator restarts it. Too many replacements in a short time count as fatal:
 * a thread that keeps dying is not transient. A schema registry that does not answer is the exception: the processor
 * turns it into a rejoin without the thread dying, and should it still reach here, the thread is replaced however
 * often it happens, so events wait for the registry (as they would for a broker) and none is dropped.
 */
final class ThreadFailurePolicy implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadFailurePolicy.class);

    static final int MAX_REPLACEMENTS = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final Clock clock;
    private final Deque<Instant> replacements = new ArrayDeque<>();

    ThreadFailurePolicy(Clock clock) {
        this.clock = clock;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable exception) {
        String cause = describe(exception);
        if (isRegistryOutage(exception)) {
            LOG.warn("the schema registry does not answer; replacing the stream thread, its records wait: {}", cause);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        if (!isTransient(exception)) {
            LOG.error("stream thread failed with a fatal error, shutting down: {}", cause, exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        Instant now = clock.instant();
        while (!replacements.isEmpty() && replacements.peekFirst().isBefore(now.minus(WINDOW))) {
            replacements.removeFirst();
        }
        if (replacements.size() >= MAX_REPLACEMENTS) {
            LOG.error(
                    "stream thread failed {} times within {}, shutting down: {}",
                    replacements.size() + 1,
                    WINDOW,
                    cause,
                    exception);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        }
        replacements.addLast(now);
        LOG.warn("stream thread failed with a transient error, replacing it: {}", cause);
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    static boolean isRegistryOutage(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SchemaRegistryUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** Transient when some cause is a retriable Kafka condition and none is fatal. */
    static boolean isTransient(Throwable exception) {
        boolean retriable = false;
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error
                    || t instanceof AuthenticationException
                    || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException
                    || t instanceof ConfigException) {
                return false;
            }
            if (t instanceof RetriableException
                    || t instanceof TaskMigratedException
                    || t instanceof TaskCorruptedException
                    || t instanceof LockException) {
                retriable = true;
            }
        }
        return retriable;
    }

    /** The chain of exception classes and messages (Kafka's and ours name coordinates, never row values). */
    static String describe(Throwable exception) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (out.length() > 0) {
                out.append(" <- ");
            }
            out.append(t.getClass().getSimpleName());
            if (t.getMessage() != null
                    && !(t instanceof KafkaException
                            && t.getCause() != null
                            && t.getMessage().equals(String.valueOf(t.getCause())))) {
                out.append(": ").append(t.getMessage());
            }
        }
        return out.toString();
    }
}
