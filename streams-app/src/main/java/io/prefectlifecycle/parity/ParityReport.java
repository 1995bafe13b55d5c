package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;

import java.util.List;
import java.util.Locale;

/**
 * What {@code parity} found: how many events each side has in the range, how many matched, and each difference with
 * its diff and, when the contract's list explains it, that item's title and text. {@link #toJson()} for machines,
 * {@link #toTable()} for people.
 */
public record ParityReport(
        ParityCheck.Range range, int prefectEvents, int ourEvents, int matched, List<ParityCase> cases) {

    public ParityReport {
        cases = List.copyOf(cases);
    }

    public long count(ParityCase.Kind kind) {
        return cases.stream().filter(c -> c.kind() == kind).count();
    }

    public long known(ParityCase.Kind kind) {
        return cases.stream()
                .filter(c -> c.kind() == kind && c.known().isPresent())
                .count();
    }

    public long unexplained() {
        return cases.stream().filter(c -> c.known().isEmpty()).count();
    }

    public ObjectNode toJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("since", range.since().toString());
        root.put("until", range.until().toString());
        root.put("window_seconds", range.window().toMillis() / 1000.0);
        root.put("prefect_events", prefectEvents);
        root.put("our_events", ourEvents);
        root.put("matched", matched);
        for (ParityCase.Kind kind : ParityCase.Kind.values()) {
            root.put(kind.json(), count(kind));
        }
        root.put("unexplained", unexplained());
        ArrayNode differences = root.putArray("differences");
        for (ParityCase c : cases) {
            ObjectNode d = differences.addObject();
            d.put("kind", c.kind().json());
            d.put("event", c.either().event());
            d.put("resource_id", c.either().resourceId());
            d.set("prefect", side(c.prefect()));
            d.set("ours", side(c.ours()));
            ArrayNode diff = d.putArray("diff");
            for (JsonDifferences.Difference difference : c.differences()) {
                ObjectNode one = diff.addObject();
                one.put("path", difference.path());
                one.set("prefect", difference.prefect().isMissingNode() ? null : difference.prefect());
                one.set("ours", difference.ours().isMissingNode() ? null : difference.ours());
            }
            if (c.known().isPresent()) {
                d.put("known", c.known().get().title());
                d.put("reason", c.known().get().text());
            } else {
                d.putNull("known");
                d.putNull("reason");
            }
        }
        return root;
    }

    private static JsonNode side(ComparedEvent event) {
        if (event == null) {
            return null;
        }
        ObjectNode side = Json.MAPPER.createObjectNode();
        side.put("id", event.id());
        side.put("occurred", event.occurred().toString());
        side.put("where", event.where());
        side.set("payload", event.payload());
        return side;
    }

    /** A few lines of counts, then one line per difference (a diff line per path under it). */
    public String toTable() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "parity %s .. %s (window %s s): %d events in Prefect, %d here%n",
                range.since(),
                range.until(),
                range.window().toMillis() / 1000.0,
                prefectEvents,
                ourEvents));
        out.append(String.format(Locale.ROOT, "  %-16s %6d%n", "matched", matched));
        for (ParityCase.Kind kind : ParityCase.Kind.values()) {
            out.append(String.format(Locale.ROOT, "  %-16s %6d   (%d known)%n", kind.text(), count(kind), known(kind)));
        }
        out.append(String.format(Locale.ROOT, "  %-16s %6d%n", "unexplained", unexplained()));
        if (!cases.isEmpty()) {
            out.append(System.lineSeparator());
        }
        for (ParityCase c : cases) {
            ComparedEvent e = c.either();
            out.append(String.format(
                    Locale.ROOT,
                    "%-16s %s %s %s  %s%n",
                    c.kind().text(),
                    e.occurred(),
                    e.event(),
                    e.resourceId(),
                    c.known().map(k -> "known: " + k.title()).orElse("UNEXPLAINED")));
            for (JsonDifferences.Difference d : c.differences()) {
                out.append(String.format(
                        Locale.ROOT, "    %s: Prefect %s, here %s%n", d.path(), shown(d.prefect()), shown(d.ours())));
            }
        }
        return out.toString();
    }

    private static String shown(JsonNode value) {
        if (value.isMissingNode()) {
            return "(absent)";
        }
        String text = value.toString();
        return text.length() > 120 ? text.substring(0, 120) + "…" : text;
    }
}
