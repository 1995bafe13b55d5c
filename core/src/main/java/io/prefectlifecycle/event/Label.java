package io.prefectlifecycle.event;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One label of a resource or related resource, e.g. {@code "prefect.resource.name": "k8s-prod"}. Prefect's resources
 * are label dicts, written in insertion order; each event builder inserts its own order, so the order is data.
 */
public record Label(String key, String value) {

    public static final String ID = "prefect.resource.id";
    public static final String NAME = "prefect.resource.name";
    public static final String ROLE = "prefect.resource.role";

    public Label {
        if (key == null || value == null) {
            throw new IllegalArgumentException("a label needs a key and a value");
        }
    }

    /** {@code labels} checked (the id first, no key twice) and made immutable. */
    static List<Label> checked(List<Label> labels, String what) {
        if (labels.isEmpty() || !labels.get(0).key().equals(ID)) {
            throw new IllegalArgumentException(what + " must start with " + ID);
        }
        Set<String> keys = new HashSet<>();
        for (Label label : labels) {
            if (!keys.add(label.key())) {
                throw new IllegalArgumentException(what + " has the label " + label.key() + " twice");
            }
        }
        return List.copyOf(labels);
    }

    /** The value of {@code key}, or {@code null}. */
    static String find(List<Label> labels, String key) {
        for (Label label : labels) {
            if (label.key().equals(key)) {
                return label.value();
            }
        }
        return null;
    }

    static List<Label> append(List<Label> labels, String key, String value) {
        List<Label> more = new ArrayList<>(labels.size() + 1);
        more.addAll(labels);
        more.add(new Label(key, value));
        return more;
    }
}
