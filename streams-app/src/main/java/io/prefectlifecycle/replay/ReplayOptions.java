package io.prefectlifecycle.replay;

import io.prefectlifecycle.topology.TopologySettings;

import java.time.Instant;
import java.util.Optional;
import java.util.Properties;

/**
 * What a replay reads, derives and writes.
 *
 * @param clients         Kafka client properties shared by the consumer, producer and admin client (bootstrap
 *                        servers, SASL/SSL, …); the replay's own settings win over them
 * @param settings        the live application's settings that decide the events: the CDC topic, the Fernet key
 *                        override, snapshot reads, the event format
 * @param toTopic         where events go
 * @param deadLetterTopic where dead letters go; empty: one JSON line each on stderr
 * @param from            emit only events whose {@code occurred} is at or after it
 * @param transactionalId the producer's {@code transactional.id}: a second replay with the same id fences the first
 */
public record ReplayOptions(
        Properties clients,
        TopologySettings settings,
        String toTopic,
        Optional<String> deadLetterTopic,
        Optional<Instant> from,
        String transactionalId) {}
