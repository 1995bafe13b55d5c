package io.prefectlifecycle.parity;

import java.util.List;
import java.util.Optional;

/**
 * One way Prefect's events and this app's differ: an event only in Prefect's table, one only in the topic, or a pair
 * matched by name, resource id and time whose resource, related resources or payload differ.
 *
 * @param prefect     the event in Prefect's table (null when only here)
 * @param ours        the event in the topic (null when only in Prefect)
 * @param differences where a matched pair differs (empty otherwise)
 * @param known       the item of the contract's list of differences that explains it, if any
 */
public record ParityCase(
        Kind kind,
        ComparedEvent prefect,
        ComparedEvent ours,
        List<JsonDifferences.Difference> differences,
        Optional<KnownDifferences.Known> known) {

    public enum Kind {
        ONLY_IN_PREFECT("only in Prefect", "only_in_prefect"),
        ONLY_HERE("only here", "only_here"),
        DIFFERENT("different", "different");

        private final String text;
        private final String json;

        Kind(String text, String json) {
            this.text = text;
            this.json = json;
        }

        public String text() {
            return text;
        }

        public String json() {
            return json;
        }
    }

    public ParityCase {
        differences = List.copyOf(differences);
    }

    ParityCase explained(Optional<KnownDifferences.Known> why) {
        return new ParityCase(kind, prefect, ours, differences, why);
    }

    /** The event either side has (Prefect's when both). */
    public ComparedEvent either() {
        return prefect != null ? prefect : ours;
    }
}
