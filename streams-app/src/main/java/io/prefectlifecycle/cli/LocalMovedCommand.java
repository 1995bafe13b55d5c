package io.prefectlifecycle.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code local} left the production jar (it carries a broker, Connect, Debezium and PostgreSQL the pod must not):
 * it is {@code local/target/prefect-lifecycle-cdc-local.jar} now. Whoever still types the old command line is told
 * the new one in one line.
 */
@Command(name = "local", hidden = true, description = "Moved to its own jar.")
final class LocalMovedCommand implements Callable<Integer> {

    static final String MOVED =
            "local is its own jar now: java -jar local/target/prefect-lifecycle-cdc-local.jar local";

    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> arguments = new ArrayList<>();

    @Override
    public Integer call() {
        spec.commandLine().getErr().println(MOVED + (arguments.isEmpty() ? "" : " " + String.join(" ", arguments)));
        return 2;
    }
}
