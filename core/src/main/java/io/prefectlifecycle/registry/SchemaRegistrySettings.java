package io.prefectlifecycle.registry;

import java.net.URI;

/**
 * Where the Confluent-compatible schema registry is, and whether the app may register its event schema.
 *
 * @param url          the API root: {@code http://schema-registry:8081} (Confluent, Karapace, Redpanda) or
 *                     {@code http://apicurio:8080/apis/ccompat/v7} (Apicurio); user info in it is sent as basic auth
 * @param autoRegister register the event schema under {@code <events topic>-value} on first use; when false it must
 *                     already be registered there
 */
public record SchemaRegistrySettings(URI url, boolean autoRegister) {

    /** TopicNameStrategy: the value subject of {@code topic}. */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }
}
