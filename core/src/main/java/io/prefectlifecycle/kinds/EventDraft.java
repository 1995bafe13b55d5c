package io.prefectlifecycle.kinds;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prefectlifecycle.event.RelatedResource;
import io.prefectlifecycle.event.Resource;

import java.util.List;

/** The kind-specific part of an event: the pipeline adds the name, time and id. */
public record EventDraft(String kind, Resource resource, List<RelatedResource> related, ObjectNode payload) {}
