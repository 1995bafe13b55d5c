package io.prefectlifecycle.event;

import java.util.List;

/**
 * One entry of an event's {@code related} list: labels in the order Prefect's builder inserts them,
 * {@code prefect.resource.id} first. The lifecycle kinds write id, role, then the name when known (Prefect appends
 * it last); the deployment, work-pool and work-queue builders write id, name (, {@code prefect.work-pool.type}), role.
 */
public record RelatedResource(List<Label> labels) {

    public RelatedResource {
        labels = Label.checked(labels, "a related resource");
    }

    /** {@code prefect.<kind>.<objectId>} in {@code role}: id, then role. */
    public static RelatedResource of(String kind, String objectId, String role) {
        return withId(kind, objectId).with(Label.ROLE, role);
    }

    /** Only the id so far: the caller adds the other labels in its order ({@link #with}). */
    public static RelatedResource withId(String kind, String objectId) {
        return new RelatedResource(List.of(new Label(Label.ID, "prefect." + kind + "." + objectId)));
    }

    /** This resource with its name appended. */
    public RelatedResource named(String name) {
        return with(Label.NAME, name);
    }

    /** This resource with one more label, last. */
    public RelatedResource with(String key, String value) {
        return new RelatedResource(Label.append(labels, key, value));
    }

    public String id() {
        return labels.get(0).value();
    }

    /** {@code prefect.resource.role}, or {@code null}. */
    public String role() {
        return Label.find(labels, Label.ROLE);
    }

    /** {@code prefect.resource.name}, or {@code null}. */
    public String name() {
        return Label.find(labels, Label.NAME);
    }
}
