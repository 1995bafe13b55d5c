package io.prefectlifecycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar prefect-lifecycle-cdc.jar [command]}; without a command it runs {@code run}, as a pod does. */
@Command(name = "prefect-lifecycle-cdc", mixinStandardHelpOptions = true, versionProvider = VersionCommand.class,
        description = "Prefect object lifecycle events rebuilt from Debezium change records.",
        subcommands = {RunCommand.class, LocalCommand.class, TransformCommand.class, ReplayCommand.class,
            TailCommand.class, VersionCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(RunCommand.withDefaultCommand(args)));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }
}
