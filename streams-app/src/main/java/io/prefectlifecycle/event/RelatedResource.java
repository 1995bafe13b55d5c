package io.prefectlifecycle.event;

/**
 * One entry of an event's {@code related} list, written as {@code prefect.resource.id}, {@code prefect.resource.role}
 * and then, when not {@code null}, {@code prefect.resource.name} (Prefect appends the name last).
 */
public record RelatedResource(String id, String role, String name) {

    public static RelatedResource of(String kind, String objectId, String role) {
        return new RelatedResource("prefect." + kind + "." + objectId, role, null);
    }

    public RelatedResource named(String newName) {
        return new RelatedResource(id, role, newName);
    }
}
