package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.Setting;
import io.prefectlifecycle.event.EventFormat;
import io.prefectlifecycle.registry.SchemaRegistrySettings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * How the commands that write events ({@code replay}, {@code local}) write them, a picocli mixin: the same settings,
 * flags, environment variables and checks as {@code run}'s {@code event.format}, {@code schema.registry.url} and
 * {@code schema.registry.auto.register}, so that a replay writes what the live run writes.
 */
public final class EventFormatOptions {

    @Option(
            names = {"--format", "--event-format"},
            paramLabel = "json|avro",
            description = "json (Prefect's bytes) or avro (schemas/avro/, Confluent wire format, subject "
                    + "<topic>-value; needs --schema-registry-url); use the live application's setting "
                    + "(env PREFECT_CDC_EVENT_FORMAT). Default: json.")
    String format;

    @Mixin
    SchemaRegistryOption registry = new SchemaRegistryOption();

    @Option(
            names = "--schema-registry-auto-register",
            paramLabel = "true|false",
            arity = "0..1",
            fallbackValue = "true",
            description = "Avro: register the event schema on first use; false: it must already be registered "
                    + "(env PREFECT_CDC_SCHEMA_REGISTRY_AUTO_REGISTER). Default: true.")
    String autoRegister;

    /** The format of the events. */
    public EventFormat format(Map<String, String> env) {
        return (EventFormat) ClientSettings.resolve(Setting.EVENT_FORMAT, format, env);
    }

    /**
     * The registry, when a URL is given.
     *
     * @throws IllegalArgumentException on a bad value, or Avro events without a registry
     */
    public Optional<SchemaRegistrySettings> registry(Map<String, String> env) {
        Optional<URI> url = registry.url(env);
        boolean auto = (Boolean) ClientSettings.resolve(Setting.SCHEMA_REGISTRY_AUTO_REGISTER, autoRegister, env);
        if (format(env) == EventFormat.AVRO && url.isEmpty()) {
            throw new IllegalArgumentException(
                    "--format avro needs --schema-registry-url (or " + Setting.SCHEMA_REGISTRY_URL.env() + ")");
        }
        return url.map(u -> new SchemaRegistrySettings(u, auto));
    }
}
