package io.prefectlifecycle.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.cdc.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The differences between Prefect's own events and this app's that are known and explained: the list in
 * {@code docs/contract.md} ("Differences from Prefect's in-process emission"; the jar carries that file), whose items
 * read {@code - **Title.** text}. Each rule below recognises one item's difference in a {@link ParityCase} from the
 * events and a few {@link Facts}, and names the item by its title; a title missing from the list is an error at
 * load, so the list and the rules cannot drift apart.
 */
public final class KnownDifferences {

    /** An item of the contract's list. */
    public record Known(String title, String text) {}

    /** What a rule may ask beyond the two events. */
    public interface Facts {
        /** The payload of the resource's latest event before this one (here, else in Prefect's table). */
        Optional<JsonNode> payloadBefore(ComparedEvent event);

        /** Whether the object's row is in Prefect's database now; empty when that cannot be told. */
        Optional<Boolean> rowExists(ComparedEvent event);

        /** Whether the topic has any event of the resource in the range read. */
        boolean eventsHereFor(String resourceId);

        /** Whether Prefect's table has any lifecycle event in the range. */
        boolean prefectHasLifecycleEvents();
    }

    static final String CONTRACT = "docs/contract.md";
    static final String SECTION = "## Differences from Prefect's in-process emission";

    static final String ROLLED_BACK = "Rolled-back changes.";
    static final String NOTHING_CHANGED = "Writes that change nothing.";
    static final String AMBIGUOUS_LIMIT_UPDATE = "The ambiguous v2 limit update.";
    static final String UNANNOUNCED_WRITES = "Writes Prefect does not announce, that look like those it does.";
    static final String AUTOMATION_SETS = "Automation sets.";
    static final String OLDER_SERVERS = "Older Prefect servers.";
    static final String DEPLOYMENT_FIELD_ORDER = "Deployment field order.";
    static final String PAUSE_ENDPOINTS = "Pause and resume endpoints.";
    static final String DEPLOYMENT_LIMIT = "A deployment's own concurrency limit.";
    static final String ROLLED_BACK_CALLS = "Events of rolled-back calls.";

    private record Rule(ParityCase.Kind kind, String title, Predicate<ParityCase> applies) {}

    private final Map<String, Known> items;
    private final List<Rule> rules;

    private KnownDifferences(Map<String, Known> items, Facts facts) {
        this.items = items;
        this.rules = rules(facts);
        List<String> missing = rules.stream()
                .map(Rule::title)
                .filter(t -> !items.containsKey(t))
                .distinct()
                .toList();
        if (!missing.isEmpty()) {
            throw new IllegalStateException(CONTRACT + " lists no difference titled " + missing);
        }
    }

    /** The list of the contract the jar carries. */
    public static KnownDifferences load(Facts facts) {
        return from(contract(), facts);
    }

    /** @throws IllegalStateException when the markdown's list lacks an item a rule names */
    static KnownDifferences from(String markdown, Facts facts) {
        return new KnownDifferences(items(markdown), facts);
    }

    static String contract() {
        try (InputStream in = KnownDifferences.class.getClassLoader().getResourceAsStream(CONTRACT)) {
            if (in == null) {
                throw new IllegalStateException(CONTRACT + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The items {@code - **Title.** text} of the section, text lines joined; other bullets end an item. */
    static Map<String, Known> items(String markdown) {
        Map<String, Known> items = new LinkedHashMap<>();
        boolean inSection = false;
        String title = null;
        StringBuilder text = new StringBuilder();
        for (String line : (markdown + "\n## end").split("\n")) {
            if (line.startsWith("#")) {
                if (title != null) {
                    items.put(title, new Known(title, text.toString().strip()));
                    title = null;
                }
                inSection = line.strip().equals(SECTION);
                continue;
            }
            if (!inSection) {
                continue;
            }
            if (line.startsWith("- ")) {
                if (title != null) {
                    items.put(title, new Known(title, text.toString().strip()));
                    title = null;
                }
                int end = line.indexOf("**", 4);
                if (line.startsWith("- **") && end > 4) {
                    title = line.substring(4, end);
                    text.setLength(0);
                    text.append(line.substring(end + 2).strip());
                }
            } else if (title != null && line.startsWith("  ")) {
                text.append(' ').append(line.strip());
            }
        }
        return items;
    }

    public Map<String, Known> items() {
        return items;
    }

    /** The item of the list that explains the case, if a rule recognises it. */
    public Optional<Known> explain(ParityCase c) {
        return rules.stream()
                .filter(r -> r.kind() == c.kind() && r.applies().test(c))
                .findFirst()
                .map(r -> items.get(r.title()));
    }

    private static List<Rule> rules(Facts facts) {
        List<Rule> rules = new ArrayList<>();
        // only in Prefect
        rules.add(new Rule(
                ParityCase.Kind.ONLY_IN_PREFECT,
                NOTHING_CHANGED,
                c -> c.prefect().event().equals("prefect.block-document.updated") && unchanged(c.prefect(), facts)));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_IN_PREFECT,
                AMBIGUOUS_LIMIT_UPDATE,
                c -> c.prefect().event().equals("prefect.concurrency-limit.updated") && unchanged(c.prefect(), facts)));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_IN_PREFECT,
                ROLLED_BACK,
                c -> c.prefect().action().equals("created")
                        && facts.rowExists(c.prefect()).equals(Optional.of(false))
                        && !facts.eventsHereFor(c.prefect().resourceId())));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_IN_PREFECT,
                ROLLED_BACK_CALLS,
                c -> c.prefect().action().equals("deleted")
                        && facts.rowExists(c.prefect()).equals(Optional.of(true))));
        // only here
        rules.add(new Rule(ParityCase.Kind.ONLY_HERE, OLDER_SERVERS, c -> !facts.prefectHasLifecycleEvents()));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_HERE,
                AMBIGUOUS_LIMIT_UPDATE,
                c -> c.ours().event().equals("prefect.concurrency-limit.updated") && unchanged(c.ours(), facts)));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_HERE,
                PAUSE_ENDPOINTS,
                c -> c.ours().event().equals("prefect.deployment.updated")
                        && updatedFields(c.ours()).equals(List.of("paused"))));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_HERE,
                DEPLOYMENT_LIMIT,
                c -> c.ours().event().equals("prefect.deployment.updated")
                        && updatedFields(c.ours()).equals(List.of("concurrency_limit_id"))));
        rules.add(new Rule(
                ParityCase.Kind.ONLY_HERE,
                UNANNOUNCED_WRITES,
                c -> Set.of(
                                "prefect.artifact-collection.updated",
                                "prefect.automation.created",
                                "prefect.automation.deleted")
                        .contains(c.ours().event())));
        // different
        rules.add(new Rule(
                ParityCase.Kind.DIFFERENT,
                DEPLOYMENT_FIELD_ORDER,
                c -> c.ours().event().equals("prefect.deployment.updated")
                        && sameAfter(c, KnownDifferences::sortedUpdatedFields)));
        rules.add(new Rule(
                ParityCase.Kind.DIFFERENT,
                DEPLOYMENT_LIMIT,
                c -> c.ours().event().equals("prefect.deployment.updated")
                        && sameAfter(c, KnownDifferences::withoutDeploymentLimitId)));
        rules.add(new Rule(
                ParityCase.Kind.DIFFERENT,
                AUTOMATION_SETS,
                c -> c.ours().kind().equals("automation") && sameAfter(c, KnownDifferences::automationSetsSorted)));
        return rules;
    }

    /** The event's payload is the resource's payload before it: it announces no change. */
    private static boolean unchanged(ComparedEvent event, Facts facts) {
        return facts.payloadBefore(event)
                .map(before -> JsonDifferences.same(before, event.payload()))
                .orElse(false);
    }

    private static List<String> updatedFields(ComparedEvent event) {
        List<String> fields = new ArrayList<>();
        event.payload().path("updated_fields").forEach(f -> fields.add(f.asText()));
        return fields;
    }

    /** Both events' resource and related are the same and their payloads are, once {@code normal} is applied. */
    private static boolean sameAfter(ParityCase c, Function<JsonNode, JsonNode> normal) {
        return JsonDifferences.same(c.prefect().resource(), c.ours().resource())
                && JsonDifferences.same(c.prefect().related(), c.ours().related())
                && JsonDifferences.same(
                        normal.apply(c.prefect().payload().deepCopy()),
                        normal.apply(c.ours().payload().deepCopy()));
    }

    private static JsonNode sortedUpdatedFields(JsonNode payload) {
        if (payload instanceof ObjectNode object
                && payload.path("updated_fields").isArray()) {
            object.set("updated_fields", sortedSet((ArrayNode) payload.get("updated_fields")));
        }
        return payload;
    }

    private static JsonNode withoutDeploymentLimitId(JsonNode payload) {
        if (payload instanceof ObjectNode object) {
            if (object.get("updated_fields") instanceof ArrayNode fields) {
                ArrayNode kept = Json.MAPPER.createArrayNode();
                fields.forEach(f -> {
                    if (!f.asText().equals("concurrency_limit_id")) {
                        kept.add(f);
                    }
                });
                object.set("updated_fields", kept);
            }
            if (object.get("updates") instanceof ObjectNode updates) {
                updates.remove("concurrency_limit_id");
            }
        }
        return payload;
    }

    /** {@code after}, {@code expect} and {@code for_each} anywhere in the automation, as sorted sets. */
    private static JsonNode automationSetsSorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.properties().iterator();
            List<String> sets = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (Set.of("after", "expect", "for_each").contains(field.getKey())
                        && field.getValue().isArray()) {
                    sets.add(field.getKey());
                } else {
                    automationSetsSorted(field.getValue());
                }
            }
            sets.forEach(key -> object.set(key, sortedSet((ArrayNode) object.get(key))));
        } else if (node instanceof ArrayNode array) {
            array.forEach(KnownDifferences::automationSetsSorted);
        }
        return node;
    }

    private static ArrayNode sortedSet(ArrayNode values) {
        TreeSet<String> set = new TreeSet<>();
        values.forEach(v -> set.add(v.toString()));
        ArrayNode sorted = Json.MAPPER.createArrayNode();
        set.forEach(v -> {
            try {
                sorted.add(Json.MAPPER.readTree(v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return sorted;
    }
}
