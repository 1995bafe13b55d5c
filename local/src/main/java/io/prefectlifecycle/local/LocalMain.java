package io.prefectlifecycle.local;

import io.prefectlifecycle.cli.Main;
import io.prefectlifecycle.cli.VersionCommand;
import picocli.CommandLine.Command;

/**
 * {@code java -jar prefect-lifecycle-cdc-local.jar local [options]}: the development stack, apart from the production
 * jar. The command line is the one the production jar had; {@code local} may be left out.
 */
@Command(
        name = "prefect-lifecycle-cdc-local",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.class,
        description = "The development stack of prefect-lifecycle-cdc: PostgreSQL, Kafka, Kafka Connect with Debezium "
                + "and the app in one process tree.",
        subcommands = {LocalCommand.class, VersionCommand.class})
public final class LocalMain implements Runnable {

    public static void main(String[] args) {
        System.exit(Main.withSharedHandling(new LocalMain()).execute(withLocalCommand(args)));
    }

    /** No command, or options only (other than help and version): they are {@code local}'s. */
    static String[] withLocalCommand(String[] args) {
        if (args.length > 0 && !args[0].startsWith("-")) {
            return args;
        }
        if (args.length == 1
                && (args[0].equals("--help")
                        || args[0].equals("-h")
                        || args[0].equals("--version")
                        || args[0].equals("-V"))) {
            return args;
        }
        String[] withLocal = new String[args.length + 1];
        withLocal[0] = "local";
        System.arraycopy(args, 0, withLocal, 1, args.length);
        return withLocal;
    }

    @Override
    public void run() {
        Main.withSharedHandling(this).usage(System.out);
    }
}
