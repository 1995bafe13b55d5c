package io.prefectlifecycle.pipeline;

/** A Kafka record as read from a CDC topic, with its coordinates for dead letters. */
public record InputRecord(String topic, int partition, long offset, byte[] key, byte[] value) {
}
