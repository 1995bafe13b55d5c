package io.prefectlifecycle.tail;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Prefect's matching grammar for event names and resource labels (Prefect's {@code matches()} and
 * {@code LabelOperations}): a value is exact, or a prefix when it ends with {@code *}; a leading {@code !} negates.
 * A set of values matches when it has no positive values or one of them matches (OR), and none of the negative
 * values matches (AND NOT). {@code prefect.block-document.*} matches every block-document event;
 * {@code !prefect.flow.deleted} excludes one name.
 */
public final class NamePatterns {

    private static final NamePatterns ANY = new NamePatterns(List.of(), List.of());

    private final List<Pattern> positive;
    private final List<Pattern> negative;

    private NamePatterns(List<Pattern> positive, List<Pattern> negative) {
        this.positive = positive;
        this.negative = negative;
    }

    /** Matches everything. */
    public static NamePatterns any() {
        return ANY;
    }

    /** @throws IllegalArgumentException on an empty value, a bare {@code !}, or a {@code *} before the end */
    public static NamePatterns parse(Collection<String> values) {
        List<Pattern> positive = new ArrayList<>();
        List<Pattern> negative = new ArrayList<>();
        for (String value : values) {
            boolean negated = value.startsWith("!");
            String body = negated ? value.substring(1) : value;
            if (body.isEmpty()) {
                throw new IllegalArgumentException("empty pattern '" + value + "'");
            }
            boolean prefix = body.endsWith("*");
            String text = prefix ? body.substring(0, body.length() - 1) : body;
            if (text.contains("*")) {
                throw new IllegalArgumentException("'" + value + "': * is only allowed at the end (a prefix)");
            }
            (negated ? negative : positive).add(new Pattern(text, prefix));
        }
        return positive.isEmpty() && negative.isEmpty()
                ? ANY
                : new NamePatterns(List.copyOf(positive), List.copyOf(negative));
    }

    public boolean isAny() {
        return positive.isEmpty() && negative.isEmpty();
    }

    /** A missing value (a label the resource does not have) matches only when there is no pattern. */
    public boolean matches(String value) {
        if (isAny()) {
            return true;
        }
        if (value == null) {
            return false;
        }
        if (!positive.isEmpty() && positive.stream().noneMatch(p -> p.matches(value))) {
            return false;
        }
        return negative.stream().noneMatch(p -> p.matches(value));
    }

    private record Pattern(String text, boolean prefix) {
        boolean matches(String value) {
            return prefix ? value.startsWith(text) : value.equals(text);
        }
    }
}
