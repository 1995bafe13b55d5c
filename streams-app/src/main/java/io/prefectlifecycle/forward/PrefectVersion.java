package io.prefectlifecycle.forward;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Prefect release as {@code GET /api/admin/version} names it ({@code 3.4.1}, {@code 3.8.4.dev6},
 * {@code 3.7.4rc1}, {@code 2.16.9+1.g2a3b4c}), compared by its release numbers only: a pre-release or a development
 * build of 3.7.4 counts as 3.7.4, since it may already have what 3.7.4 has. ({@code GET /api/version} is the REST API's
 * version, {@code 0.8.4} on every release since 2.x, and tells nothing.)
 */
public record PrefectVersion(String text, List<Integer> release) {

    private static final Pattern RELEASE = Pattern.compile("v?(\\d+(?:\\.\\d+)*)(?:[.+\\-]?[A-Za-z].*|\\+.*)?");

    /** {@code POST /api/events}: the events API. */
    public static final PrefectVersion EVENTS_API = parse("2.16.9");

    /** The first release that emits lifecycle events itself ({@code server/events/lifecycle.py}). */
    public static final PrefectVersion LIFECYCLE_EVENTS = parse("3.7.4");

    public PrefectVersion {
        release = List.copyOf(release);
    }

    /** @throws IllegalArgumentException when the text does not start with release numbers */
    public static PrefectVersion parse(String text) {
        Matcher m = RELEASE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a Prefect version");
        }
        List<Integer> numbers = new ArrayList<>();
        for (String part : m.group(1).split("\\.")) {
            numbers.add(Integer.parseInt(part));
        }
        return new PrefectVersion(text.strip(), numbers);
    }

    public boolean atLeast(PrefectVersion other) {
        for (int i = 0; i < Math.max(release.size(), other.release.size()); i++) {
            int mine = i < release.size() ? release.get(i) : 0;
            int theirs = i < other.release.size() ? other.release.get(i) : 0;
            if (mine != theirs) {
                return mine > theirs;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }
}
