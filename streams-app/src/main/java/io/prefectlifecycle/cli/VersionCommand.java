package io.prefectlifecycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Prints the application version and the component versions it was built against. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version.")
public final class VersionCommand implements Runnable, CommandLine.IVersionProvider {

    @Override
    public void run() {
        for (String line : getVersion()) {
            System.out.println(line);
        }
    }

    @Override
    public String[] getVersion() {
        String app = VersionCommand.class.getPackage().getImplementationVersion();
        return new String[] {
            "prefect-lifecycle-cdc " + (app == null ? "dev" : app),
            "kafka-streams " + org.apache.kafka.common.utils.AppInfoParser.getVersion(),
            "java " + System.getProperty("java.version")
        };
    }
}
