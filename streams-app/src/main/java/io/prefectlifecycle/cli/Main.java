package io.prefectlifecycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/** {@code java -jar prefect-lifecycle-cdc.jar [command]}; without a command it runs {@code run}, as a pod does. */
@Command(
        name = "prefect-lifecycle-cdc",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.class,
        description = "Prefect object lifecycle events rebuilt from Debezium change records.",
        subcommands = {
            RunCommand.class,
            LocalMovedCommand.class,
            TransformCommand.class,
            ReplayCommand.class,
            TailCommand.class,
            ForwardCommand.class,
            ParityCommand.class,
            VersionCommand.class
        })
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(RunCommand.withDefaultCommand(args)));
    }

    /**
     * Every command with the same help layout ({@link WordWrappedHelp}) and the same error lines ({@link ErrorLines}),
     * set here once for all of them.
     */
    static CommandLine commandLine() {
        return withSharedHandling(new Main());
    }

    /** {@code command} (this jar's or the local jar's) with the converters, help layout and error lines of all. */
    public static CommandLine withSharedHandling(Object command) {
        ErrorLines errors = new ErrorLines();
        return new CommandLine(command)
                .registerConverter(Duration.class, Main::duration)
                .setHelpFactory(WordWrappedHelp::create)
                .setParameterExceptionHandler(errors)
                .setExecutionExceptionHandler(errors);
    }

    @Override
    public void run() {
        commandLine().usage(System.out);
    }

    private static Duration duration(String value) {
        try {
            return Duration.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not an ISO-8601 duration (PT30S, PT5M)");
        }
    }
}
