package io.prefectlifecycle.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Ansi.Text;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

import java.util.IllegalFormatException;
import java.util.List;
import java.util.Map;

/**
 * Picocli's help, wrapped at spaces only. Picocli wraps with the JDK's line {@code BreakIterator}, which also breaks
 * after {@code .}, {@code :} and {@code /}: {@code prefect.lifecycle-events.replay}, {@code <prefix>.<schema>.<table>}
 * and URLs came out split across lines. Here every paragraph (one description or footer string, one option
 * description) is cut into lines at spaces, each short enough for picocli to write as it is; a single word longer
 * than a line is left to picocli.
 */
final class WordWrappedHelp extends Help {

    WordWrappedHelp(CommandSpec commandSpec, ColorScheme colorScheme) {
        super(commandSpec, colorScheme);
    }

    private int helpWidth() {
        return commandSpec().usageMessage().width();
    }

    /** For {@link CommandLine#setHelpFactory}. */
    static Help create(CommandSpec commandSpec, ColorScheme colorScheme) {
        return new WordWrappedHelp(commandSpec, colorScheme);
    }

    @Override
    public Layout createDefaultLayout(
            List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
        Layout layout = super.createDefaultLayout(options, positionals, scheme);
        TextTable table = new SpaceWrappedTable(scheme, layout.textTable().columns());
        table.setAdjustLineBreaksForWideCJKCharacters(layout.textTable().isAdjustLineBreaksForWideCJKCharacters());
        return new Layout(scheme, table, createDefaultOptionRenderer(), createDefaultParameterRenderer());
    }

    @Override
    public String description(Object... params) {
        return paragraphs(commandSpec().usageMessage().description(), params);
    }

    @Override
    public String footer(Object... params) {
        return paragraphs(commandSpec().usageMessage().footer(), params);
    }

    @Override
    public String header(Object... params) {
        return paragraphs(commandSpec().usageMessage().header(), params);
    }

    /** The commands and their summaries (the first description string), as picocli lists them. */
    @Override
    public String commandList(Map<String, Help> subcommands) {
        if (subcommands.isEmpty()) {
            return "";
        }
        int nameWidth = Math.min(
                subcommands.keySet().stream().mapToInt(String::length).max().orElse(0), helpWidth() / 2);
        TextTable table = new SpaceWrappedTable(colorScheme(), new Column[] {
            new Column(nameWidth + 2, 2, Column.Overflow.SPAN),
            new Column(helpWidth() - (nameWidth + 2), 2, Column.Overflow.WRAP)
        });
        subcommands.forEach((name, help) -> {
            String[] description = help.commandSpec().usageMessage().description();
            table.addRowValues(
                    help.commandNamesText(", "), colorScheme().text(description.length == 0 ? "" : description[0]));
        });
        return table.toString();
    }

    private String paragraphs(String[] values, Object... params) {
        TextTable table =
                new SpaceWrappedTable(colorScheme(), new Column[] {new Column(helpWidth(), 0, Column.Overflow.WRAP)});
        table.indentWrappedLines = 0;
        for (String value : values) {
            table.addRowValues(colorScheme().text(format(value, params)));
        }
        return table.toString();
    }

    /** As picocli formats help strings: {@code String.format}, the raw string when it is not a valid format. */
    private static String format(String value, Object... params) {
        try {
            return value == null ? "" : String.format(value, params);
        } catch (IllegalFormatException e) {
            return value;
        }
    }

    /** A table whose wrapping columns break lines at spaces only. */
    static final class SpaceWrappedTable extends TextTable {

        private final ColorScheme scheme;

        SpaceWrappedTable(ColorScheme scheme, Column[] columns) {
            super(scheme, columns);
            this.scheme = scheme;
        }

        @Override
        public Cell putValue(int row, int col, Text value) {
            Column column = columns()[col];
            if (value == null
                    || column.overflow != Column.Overflow.WRAP
                    || column.indent + value.plainString().length() <= column.width) {
                return super.putValue(row, col, value);
            }
            String plain = value.plainString();
            int start = 0;
            boolean first = true;
            while (start < plain.length()) {
                int indent = first ? 0 : indentWrappedLines;
                int room = column.width - column.indent - indent;
                int end = lineEnd(plain, start, room);
                if (!first) {
                    addEmptyRow();
                    row++;
                }
                Text line = value.substring(start, end);
                // a word longer than a line is broken by picocli, onto rows of its own
                row = super.putValue(
                                row,
                                col,
                                indent == 0
                                        ? line
                                        : scheme.text(" ".repeat(indent)).concat(line))
                        .row;
                start = end;
                while (start < plain.length() && plain.charAt(start) == ' ') {
                    start++;
                }
                first = false;
            }
            return new Cell(col, row);
        }

        /** The end of the longest run of whole words from {@code start} that fits {@code room}; at least one word. */
        private static int lineEnd(String text, int start, int room) {
            if (text.length() - start <= room) {
                return text.length();
            }
            int end = -1;
            for (int i = start; i <= Math.min(text.length(), start + room); i++) {
                if (i == text.length() || text.charAt(i) == ' ') {
                    end = i;
                }
            }
            if (end > start) {
                return end;
            }
            int space = text.indexOf(' ', start);
            return space < 0 ? text.length() : space;
        }
    }
}
