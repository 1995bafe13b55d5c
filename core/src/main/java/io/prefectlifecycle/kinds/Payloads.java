package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;

import java.util.List;

/** Small helpers shared by the kinds. */
final class Payloads {

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Payloads() {}

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static KindResult emit(String kind, Resource resource, List<RelatedResource> related, ObjectNode payload) {
        return new KindResult.Emit(new EventDraft(kind, resource, related, payload));
    }

    static KindResult emit(
            String kind, String objectId, String name, List<RelatedResource> related, ObjectNode payload) {
        return new KindResult.Emit(new EventDraft(kind, Resource.of(kind, objectId, name), related, payload));
    }
}
