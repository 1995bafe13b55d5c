package io.prefectlifecycle.event;

/**
 * An event's {@code resource}: {@code {"prefect.resource.id": …, "prefect.resource.name": …}}, in that order;
 * the name label is left out only when the name is {@code null}.
 */
public record Resource(String id, String name) {

    /** {@code prefect.<kind>.<objectId>}, the resource id of every lifecycle event. */
    public static Resource of(String kind, String objectId, String name) {
        return new Resource("prefect." + kind + "." + objectId, name);
    }
}
