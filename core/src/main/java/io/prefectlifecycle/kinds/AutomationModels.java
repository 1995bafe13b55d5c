package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import static io.prefectlifecycle.cdc.DeadLetterCategory.UNSUPPORTED_MODEL;

/**
 * Prefect's automation trigger and action models, as field lists in model order. Re-validating stored JSONB
 * through them reproduces {@code Automation.model_dump(mode="json")}: fields in model order, defaults for missing
 * fields, unknown keys dropped, timedeltas as float seconds, sets as lists.
 */
final class AutomationModels {

    private record Field(String name, UnaryOperator<JsonNode> coerce, Supplier<JsonNode> defaultValue) {}

    private static final UnaryOperator<JsonNode> AS_IS = node -> node;
    private static final Supplier<JsonNode> REQUIRED = () -> null;
    private static final TextNode SELECTED = TextNode.valueOf("selected");

    private static Field field(String name) {
        return new Field(name, AS_IS, REQUIRED);
    }

    private static Field field(String name, JsonNode defaultValue) {
        return new Field(name, AS_IS, defaultValue::deepCopy);
    }

    private static Field seconds(String name, JsonNode defaultValue) {
        return new Field(name, AutomationModels::toSeconds, () -> defaultValue);
    }

    private static Field set(String name) {
        return new Field(name, AutomationModels::distinct, Payloads.NODES::arrayNode);
    }

    private static final Field SOURCE = field("source", SELECTED);

    private static final Map<String, List<Field>> ACTIONS = Map.ofEntries(
            Map.entry("do-nothing", List.of(field("type"))),
            Map.entry(
                    "run-deployment",
                    List.of(
                            field("type"),
                            SOURCE,
                            field("deployment_id", NullNode.getInstance()),
                            field("parameters", NullNode.getInstance()),
                            field("job_variables", NullNode.getInstance()),
                            seconds("schedule_after", DoubleNode.valueOf(0.0)))),
            Map.entry(
                    "pause-deployment", List.of(field("type"), SOURCE, field("deployment_id", NullNode.getInstance()))),
            Map.entry(
                    "resume-deployment",
                    List.of(field("type"), SOURCE, field("deployment_id", NullNode.getInstance()))),
            Map.entry("cancel-flow-run", List.of(field("type"))),
            Map.entry("delete-flow-run", List.of(field("type"))),
            Map.entry("suspend-flow-run", List.of(field("type"))),
            Map.entry("resume-flow-run", List.of(field("type"))),
            Map.entry(
                    "change-flow-run-state",
                    List.of(
                            field("type"),
                            field("name", NullNode.getInstance()),
                            field("state"),
                            field("message", NullNode.getInstance()),
                            field("force", Payloads.NODES.booleanNode(false)))),
            Map.entry(
                    "send-notification",
                    List.of(
                            field("type"),
                            field("block_document_id"),
                            field("subject", TextNode.valueOf("Prefect automated notification")),
                            field("body"))),
            Map.entry(
                    "call-webhook",
                    List.of(
                            field("type"),
                            field("block_document_id"),
                            new Field("payload", AutomationModels::toText, () -> TextNode.valueOf("")))),
            Map.entry("pause-work-pool", List.of(field("type"), SOURCE, field("work_pool_id", NullNode.getInstance()))),
            Map.entry(
                    "resume-work-pool", List.of(field("type"), SOURCE, field("work_pool_id", NullNode.getInstance()))),
            Map.entry(
                    "pause-work-queue", List.of(field("type"), SOURCE, field("work_queue_id", NullNode.getInstance()))),
            Map.entry(
                    "resume-work-queue",
                    List.of(field("type"), SOURCE, field("work_queue_id", NullNode.getInstance()))),
            Map.entry(
                    "pause-automation", List.of(field("type"), SOURCE, field("automation_id", NullNode.getInstance()))),
            Map.entry(
                    "resume-automation",
                    List.of(field("type"), SOURCE, field("automation_id", NullNode.getInstance()))));

    private static final List<Field> EVENT_TRIGGER = List.of(
            field("type"),
            field("id"),
            field("match", Payloads.object()),
            field("match_related", Payloads.object()),
            set("after"),
            set("expect"),
            set("for_each"),
            field("posture", TextNode.valueOf("Reactive")),
            field("threshold", Payloads.NODES.numberNode(1)),
            seconds("within", DoubleNode.valueOf(0.0)));

    private static final List<Field> COMPOUND_TRIGGER = List.of(
            field("type"),
            field("id"),
            new Field("triggers", AutomationModels::triggers, REQUIRED),
            seconds("within", NullNode.getInstance()),
            field("require"));

    private static final List<Field> SEQUENCE_TRIGGER = List.of(
            field("type"),
            field("id"),
            new Field("triggers", AutomationModels::triggers, REQUIRED),
            seconds("within", NullNode.getInstance()));

    private AutomationModels() {}

    static ObjectNode trigger(JsonNode stored) {
        String type = typeOf(stored, "trigger");
        ObjectNode trigger = switch (type) {
            case "event" -> validate(stored, EVENT_TRIGGER, "event trigger");
            case "compound" -> validate(stored, COMPOUND_TRIGGER, "compound trigger");
            case "sequence" -> validate(stored, SEQUENCE_TRIGGER, "sequence trigger");
            default -> throw new KindException(UNSUPPORTED_MODEL, "unknown automation trigger type '" + type + "'");
        };
        boolean proactive = "Proactive".equals(trigger.path("posture").asText());
        if (proactive && trigger.path("within").asDouble() == 0.0) {
            trigger.put("within", 10.0);
        }
        return trigger;
    }

    static ArrayNode actions(JsonNode stored, String column) {
        if (!stored.isArray()) {
            throw new KindException(UNSUPPORTED_MODEL, "automation." + column + " is not a list");
        }
        ArrayNode actions = Payloads.NODES.arrayNode();
        for (JsonNode action : stored) {
            String type = typeOf(action, "action");
            List<Field> fields = ACTIONS.get(type);
            if (fields == null) {
                throw new KindException(UNSUPPORTED_MODEL, "unknown automation action type '" + type + "'");
            }
            actions.add(validate(action, fields, type + " action"));
        }
        return actions;
    }

    private static ObjectNode validate(JsonNode stored, List<Field> fields, String model) {
        ObjectNode out = Payloads.object();
        for (Field field : fields) {
            JsonNode value = stored.get(field.name());
            if (value == null) {
                value = field.defaultValue().get();
                if (value == null) {
                    throw new KindException(
                            UNSUPPORTED_MODEL, model + " lacks the required field '" + field.name() + "'");
                }
            } else if (!value.isNull()) {
                value = field.coerce().apply(value);
            }
            out.set(field.name(), value);
        }
        return out;
    }

    private static String typeOf(JsonNode node, String what) {
        if (!node.isObject() || !node.path("type").isTextual()) {
            throw new KindException(UNSUPPORTED_MODEL, "automation " + what + " has no type");
        }
        return node.get("type").textValue();
    }

    private static JsonNode triggers(JsonNode stored) {
        ArrayNode triggers = Payloads.NODES.arrayNode();
        for (JsonNode child : stored) {
            triggers.add(trigger(child));
        }
        return triggers;
    }

    /** A timedelta as float seconds: stored as a number (rows from a 2025 migration hold ints) or ISO duration. */
    private static JsonNode toSeconds(JsonNode value) {
        if (value.isNumber()) {
            return DoubleNode.valueOf(value.doubleValue());
        }
        if (value.isTextual()) {
            try {
                return DoubleNode.valueOf(Duration.parse(value.textValue()).toNanos() / 1e9);
            } catch (DateTimeParseException e) {
                throw new KindException(
                        UNSUPPORTED_MODEL, "automation duration is neither seconds nor an ISO-8601 duration");
            }
        }
        throw new KindException(UNSUPPORTED_MODEL, "automation duration is neither seconds nor an ISO-8601 duration");
    }

    /** A Python set dumped as a list: duplicates collapse; the stored order is the best order a CDC has. */
    private static JsonNode distinct(JsonNode value) {
        Set<JsonNode> seen = new LinkedHashSet<>();
        value.forEach(seen::add);
        ArrayNode list = Payloads.NODES.arrayNode();
        seen.forEach(list::add);
        return list;
    }

    /** Webhook payloads are strings; old rows may hold a dict, which Prefect coerces to text. */
    private static JsonNode toText(JsonNode value) {
        return value.isTextual() ? value : TextNode.valueOf(value.toString());
    }
}
