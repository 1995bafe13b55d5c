package io.prefectlifecycle.app;

import java.util.List;

/** The configuration cannot be used: one line per problem, each naming the setting and where its value came from. */
public final class InvalidConfigException extends Exception {

    private final List<String> problems;

    public InvalidConfigException(List<String> problems) {
        super("invalid configuration:\n  " + String.join("\n  ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
