package io.prefectlifecycle.app;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ThreadFailurePolicyTest {

    private static final StreamThreadExceptionResponse REPLACE = StreamThreadExceptionResponse.REPLACE_THREAD;
    private static final StreamThreadExceptionResponse SHUTDOWN = StreamThreadExceptionResponse.SHUTDOWN_CLIENT;

    @Test
    void transientErrorsReplaceTheThread() {
        ThreadFailurePolicy policy = new ThreadFailurePolicy(Clock.systemUTC());
        assertEquals(REPLACE, policy.handle(new StreamsException(new TimeoutException("fetch timed out"))));
        assertEquals(REPLACE, policy.handle(new TimeoutException("commit timed out")));
    }

    @Test
    void fatalErrorsShutTheInstanceDown() {
        ThreadFailurePolicy policy = new ThreadFailurePolicy(Clock.systemUTC());
        assertEquals(SHUTDOWN, policy.handle(new StreamsException(new SaslAuthenticationException("bad password"))));
        assertEquals(SHUTDOWN, policy.handle(new StreamsException(new TopicAuthorizationException(Set.of("events")))));
        assertEquals(SHUTDOWN, policy.handle(new StreamsException(new OutOfMemoryError())));
        // a bug would fail again on the same record: replacing the thread would loop
        assertEquals(SHUTDOWN, policy.handle(new StreamsException(new NullPointerException())));
        // an authorization failure wrapped around a retriable one is still fatal
        assertEquals(
                SHUTDOWN,
                policy.handle(new StreamsException(
                        new TimeoutException("t", new TopicAuthorizationException(Set.of("events"))))));
    }

    @Test
    void aThreadThatKeepsDyingIsNotTransient() {
        MutableClock clock = new MutableClock();
        ThreadFailurePolicy policy = new ThreadFailurePolicy(clock);
        for (int i = 0; i < ThreadFailurePolicy.MAX_REPLACEMENTS; i++) {
            assertEquals(REPLACE, policy.handle(new TimeoutException("t")), "replacement " + i);
        }
        assertEquals(SHUTDOWN, policy.handle(new TimeoutException("t")));
        clock.now = clock.now.plus(ThreadFailurePolicy.WINDOW).plus(Duration.ofSeconds(1));
        assertEquals(REPLACE, policy.handle(new TimeoutException("t")));
    }

    @Test
    void describesTheCauseChain() {
        assertEquals(
                "StreamsException: task 0_0 failed <- TimeoutException: fetch timed out",
                ThreadFailurePolicy.describe(
                        new StreamsException("task 0_0 failed", new TimeoutException("fetch timed out"))));
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
