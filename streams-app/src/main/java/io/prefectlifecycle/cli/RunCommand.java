package io.prefectlifecycle.cli;

import io.prefectlifecycle.app.AppConfig;
import io.prefectlifecycle.app.InvalidConfigException;
import io.prefectlifecycle.app.Setting;
import io.prefectlifecycle.app.StreamsService;
import io.prefectlifecycle.topology.TopologySettings;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The streams application against an existing Kafka cluster; the default command. Its flags are the
 * {@link Setting} declarations, added by {@link SettingOptions}.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        modelTransformer = RunCommand.SettingOptions.class,
        sortOptions = false,
        description = {
            "Run the Kafka Streams application against an existing Kafka cluster (the default command).",
            "",
            "Each setting comes from, in increasing precedence: its default, the --config-file (keys: the setting "
                    + "names, such as bootstrap.servers), its PREFECT_CDC_ environment variable, its flag.",
            ""
        },
        footer = {
            "",
            "Kafka client settings (SASL, SSL, timeouts, ...) apply to every Kafka client of the app: environment "
                    + "variables KAFKA_<NAME> (KAFKA_SECURITY_PROTOCOL -> security.protocol) or keys kafka.<name> in the "
                    + "config file. Their values are never logged.",
            "PREFECT_SERVER_ENCRYPTION_KEY: the Fernet key of block documents, as Prefect's server has it; "
                    + "PREFECT_SERVER_ENCRYPTION_KEY_<SOURCE> (upper case, - as _): one source's own key.",
            "SIGTERM or SIGINT: Kafka Streams commits and closes within --shutdown-timeout.",
            "Exit status: 0 stopped by a signal; 1 a pre-flight check failed, Kafka Streams failed, or it did not close "
                    + "in time; 2 invalid configuration.",
            "",
            "Examples:",
            "  run --bootstrap-servers kafka:9092",
            "      events into prefect.lifecycle-events; /health/ready and /metrics on :8080",
            "  KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SASL_MECHANISM=SCRAM-SHA-512 \\",
            "  KAFKA_SASL_JAAS_CONFIG=\"$(cat /run/secrets/kafka-jaas)\" \\",
            "  run --bootstrap-servers kafka:9093",
            "      against a SASL cluster; the credentials are never logged",
            "  run --config-file /etc/prefect-cdc/run.properties --standby-replicas 1",
            "      settings from a file (setting names, kafka.<name>), one flag on top",
            "  run --format avro --schema-registry-url http://schema-registry:8081",
            "      Avro events (schemas/avro/), subject prefect.lifecycle-events-value",
            "  run --sources prod=prefect-prod,staging=prefect-staging --standby-replicas 1",
            "      two Prefect databases (prefect-prod.cdc, prefect-staging.cdc), one task",
            "      each, spread over the instances; append new sources at the end"
        })
public final class RunCommand implements Callable<Integer> {

    static final int INVALID_CONFIGURATION = 2;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, String> env = System.getenv();
        AppConfig config;
        List<TopologySettings> sources;
        try {
            config = AppConfig.load(env, flags(spec.commandLine().getParseResult()));
            sources = config.sources(env);
        } catch (InvalidConfigException e) {
            // one line per bad setting, in every command's error style
            e.problems().forEach(problem -> spec.commandLine().getErr().println("run: " + problem));
            spec.commandLine().getErr().flush();
            return INVALID_CONFIGURATION;
        }
        return StreamsService.run(config, sources);
    }

    /** The settings given as flags, as written. */
    public static Map<Setting, String> flags(ParseResult parsed) {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        for (Setting setting : Setting.values()) {
            OptionSpec option = parsed.matchedOption(setting.flag());
            if (option != null) {
                flags.put(setting, option.getValue());
            }
        }
        return flags;
    }

    /**
     * {@code run} when no command is named: no arguments at all, or arguments starting with an option that is not
     * the top-level {@code --help}/{@code --version} ({@code java -jar prefect-lifecycle-cdc.jar --http-port 9000}).
     */
    public static String[] withDefaultCommand(String[] args) {
        CommandLine main = Main.commandLine();
        if (args.length > 0) {
            String first = args[0];
            String option = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
            if (!first.startsWith("-") || main.getCommandSpec().optionsMap().containsKey(option)) {
                return args;
            }
        }
        String[] withRun = new String[args.length + 1];
        withRun[0] = "run";
        System.arraycopy(args, 0, withRun, 1, args.length);
        return withRun;
    }

    /** Adds one {@code --flag} per {@link Setting}, its help naming the environment variable and the default. */
    public static final class SettingOptions implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            for (Setting setting : Setting.values()) {
                boolean bool = setting.defaultValue().equals("false")
                        || setting.defaultValue().equals("true");
                String label = "<" + setting.key().substring(setting.key().lastIndexOf('.') + 1) + ">";
                OptionSpec.Builder option = OptionSpec.builder(setting.flags())
                        .type(String.class)
                        .paramLabel(bool ? "<true|false>" : label)
                        .arity(bool ? "0..1" : "1")
                        .description(setting.description().replace("`", "") + " Env " + setting.env() + "."
                                + (setting.defaultValue().isEmpty()
                                        ? ""
                                        : " Default: " + setting.defaultValue() + "."));
                if (bool) {
                    option.fallbackValue("true");
                }
                spec.addOption(option.build());
            }
            return spec;
        }
    }
}
