package io.prefectlifecycle.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How every command reports what went wrong: one line, {@code <command>: <what>}, naming the option and the value as
 * given, no Java class names, no usage dump (a pointer to {@code --help} where a name was mistyped). Bad values exit
 * with 2, failures with 1; a failure's stack trace is logged at DEBUG ({@code PREFECT_CDC_LOG_LEVEL=DEBUG}).
 */
final class ErrorLines implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {

    static final int BAD_INPUT = 2;
    static final int FAILED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(ErrorLines.class);
    private static final Pattern INVALID_VALUE =
            Pattern.compile("Invalid value for (?:option|positional parameter) '([^']+)': (.*)", Pattern.DOTALL);
    /** {@code (java.io.FileNotFoundException: x)} as a whole; a bare {@code java.lang.IllegalStateException: } alone. */
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\s*\\((?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)(?::[^)]*)?\\)"
                    + "|\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error):?\\s*");

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine command = ex.getCommandLine();
        command.getErr().println(command.getCommandName() + ": " + describe(ex, command));
        command.getErr().flush();
        return BAD_INPUT;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine command, ParseResult parsed) {
        LOG.debug("{} failed", command.getCommandName(), ex);
        command.getErr().println(command.getCommandName() + ": " + oneLine(ex));
        command.getErr().flush();
        return FAILED;
    }

    /** What the parser rejected, in one line. */
    static String describe(ParameterException ex, CommandLine command) {
        String help = "see " + helpCommand(command);
        if (ex instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            String hint = suggestions.isEmpty() ? "" : " (did you mean " + String.join(" or ", suggestions) + "?)";
            List<String> arguments = unmatched.getUnmatched();
            String first = arguments.isEmpty() ? "" : arguments.get(0);
            if (unmatched.isUnknownOption()) {
                return "unknown option '" + first + "'" + hint + "; " + help;
            }
            if (!command.getSubcommands().isEmpty()) {
                return "unknown command '" + first + "'" + hint + "; commands: "
                        + String.join(
                                ", ",
                                command.getSubcommands().entrySet().stream()
                                        .filter(sub -> !sub.getValue()
                                                .getCommandSpec()
                                                .usageMessage()
                                                .hidden())
                                        .map(java.util.Map.Entry::getKey)
                                        .toList());
            }
            return "unexpected argument '" + first + "'; " + help;
        }
        if (ex instanceof CommandLine.MissingParameterException missing) {
            return missing.getMissing().stream()
                    .map(ErrorLines::name)
                    .reduce((a, b) -> a + ", " + b)
                    .map(names -> names + ": a value is needed; " + help)
                    .orElse(plain(ex.getMessage()));
        }
        ArgSpec arg = ex.getArgSpec();
        String value = ex.getValue();
        Matcher invalid = INVALID_VALUE.matcher(ex.getMessage() == null ? "" : ex.getMessage());
        if (arg != null && value != null && invalid.matches()) {
            return name(arg) + " '" + value + "' " + reason(invalid.group(2), value);
        }
        return plain(ex.getMessage());
    }

    /** Picocli's reason for a rejected value, in this project's words. */
    static String reason(String picocli, String value) {
        String reason = picocli.strip();
        String quoted = "'" + value + "'";
        if (reason.startsWith(quoted + " ")) {
            reason = reason.substring(quoted.length() + 1);
        }
        Matcher oneOf = Pattern.compile("expected one of \\[(.*)] \\(case-sensitive\\) but was '.*'")
                .matcher(reason);
        if (oneOf.matches()) {
            return "must be one of " + oneOf.group(1);
        }
        return plain(reason.replaceFirst("^is not an? (long|int|integer|short|byte)$", "is not a whole number")
                .replaceFirst("^is not a boolean$", "must be true or false")
                .replaceFirst("^is not a (double|float)$", "is not a number"));
    }

    /** The first line of an exception's message, without class names; the class's simple name when there is none. */
    static String oneLine(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                String line = t.getMessage().lines().findFirst().orElse("");
                String plain = plain(line);
                if (!plain.isBlank()) {
                    return plain;
                }
            }
        }
        return "failed (" + ex.getClass().getSimpleName() + "; PREFECT_CDC_LOG_LEVEL=DEBUG shows more)";
    }

    /** {@code text} without Java class names such as {@code (java.time.format.DateTimeParseException: …)}. */
    static String plain(String text) {
        return text == null ? "" : CLASS_NAME.matcher(text).replaceAll("").strip();
    }

    private static String name(ArgSpec arg) {
        return arg instanceof OptionSpec option ? option.longestName() : arg.paramLabel();
    }

    private static String helpCommand(CommandLine command) {
        String jar = command.getCommandSpec().root().name(); // prefect-lifecycle-cdc, or the local jar's
        return command.getCommandSpec()
                .qualifiedName()
                .substring(jar.length())
                .strip()
                .transform(name -> name.isEmpty() ? "--help" : name + " --help");
    }
}
