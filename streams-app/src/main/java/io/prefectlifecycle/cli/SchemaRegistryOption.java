package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.Setting;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --schema-registry-url} of the client commands, a picocli mixin: the registry Avro records (CDC records
 * written by an Avro converter, Avro events) are read through. As for {@code run}: the flag, else
 * {@code PREFECT_CDC_SCHEMA_REGISTRY_URL}, checked by {@link Setting#SCHEMA_REGISTRY_URL}.
 */
public final class SchemaRegistryOption {

    @Option(
            names = "--schema-registry-url",
            paramLabel = "URL",
            description = "Confluent-compatible schema registry (Apicurio: http://<host>:8080/apis/ccompat/v7), to "
                    + "read Avro records (env PREFECT_CDC_SCHEMA_REGISTRY_URL, as for run). Default: none.")
    String url;

    /** @throws IllegalArgumentException naming the setting and where the value came from, never the password */
    public Optional<URI> url(Map<String, String> env) {
        @SuppressWarnings("unchecked")
        Optional<URI> parsed = (Optional<URI>) ClientSettings.resolve(Setting.SCHEMA_REGISTRY_URL, url, env);
        return parsed;
    }
}
