package io.prefectlifecycle.event;

import java.util.List;

/**
 * An event's {@code resource}: its labels in the order Prefect's builder inserts them, {@code prefect.resource.id}
 * first. The lifecycle kinds have {@code prefect.resource.name} next (left out when the name is {@code null}); a work
 * pool adds {@code prefect.work-pool.type} and {@code prefect.resource.role} after the name.
 */
public record Resource(List<Label> labels) {

    public Resource {
        labels = Label.checked(labels, "a resource");
    }

    /** {@code prefect.<kind>.<objectId>}, then the name when not {@code null}. */
    public static Resource of(String kind, String objectId, String name) {
        Resource resource = new Resource(List.of(new Label(Label.ID, "prefect." + kind + "." + objectId)));
        return name == null ? resource : resource.with(Label.NAME, name);
    }

    /** This resource with one more label, last. */
    public Resource with(String key, String value) {
        return new Resource(Label.append(labels, key, value));
    }

    public String id() {
        return labels.get(0).value();
    }

    /** {@code prefect.resource.name}, or {@code null}. */
    public String name() {
        return label(Label.NAME);
    }

    /** The value of a label, or {@code null}. */
    public String label(String key) {
        return Label.find(labels, key);
    }
}
