package io.prefectlifecycle.it;

import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.List;

/**
 * The ACLs docs/operations.md lists ("Secured Kafka"), as bindings: what {@code run} needs with the output topics
 * created beforehand, plus WRITE on extra topics for {@code replay}, and what a reader of the events ({@code tail})
 * needs. SecuredKafkaIT grants exactly these, and each missing one makes {@code run} stop at start.
 */
final class MinimalAcls {

    private MinimalAcls() {}

    static List<AclBinding> forApp(
            String user, String applicationId, TopologySettings topics, List<String> replayTopics) {
        List<AclBinding> acls = new ArrayList<>();
        // the change stream <prefix>.cdc
        acls.add(allow(user, ResourceType.TOPIC, topics.cdcTopic(), PatternType.LITERAL, AclOperation.READ));
        for (String output : List.of(topics.eventsTopic(), topics.deadLetterTopic())) {
            acls.add(allow(user, ResourceType.TOPIC, output, PatternType.LITERAL, AclOperation.WRITE));
        }
        // Kafka Streams' internal topics (the state stores' changelogs): <application.id>-…
        for (AclOperation op : List.of(AclOperation.CREATE, AclOperation.READ, AclOperation.WRITE)) {
            acls.add(allow(user, ResourceType.TOPIC, applicationId, PatternType.PREFIXED, op));
        }
        acls.add(allow(user, ResourceType.GROUP, applicationId, PatternType.LITERAL, AclOperation.READ));
        // exactly-once v2: transactional ids <application.id>-<process id>-<thread>; replay's default
        // prefect-lifecycle-cdc-replay-<topic> shares the prefix when application.id is the default
        acls.add(allow(user, ResourceType.TRANSACTIONAL_ID, applicationId, PatternType.PREFIXED, AclOperation.WRITE));
        for (String replay : replayTopics) {
            acls.add(allow(user, ResourceType.TOPIC, replay, PatternType.LITERAL, AclOperation.WRITE));
        }
        return acls;
    }

    /** A consumer of the events without a group ({@code tail}, or assign + seek). */
    static List<AclBinding> forReader(String user, String eventsTopic) {
        return List.of(allow(user, ResourceType.TOPIC, eventsTopic, PatternType.LITERAL, AclOperation.READ));
    }

    private static AclBinding allow(String user, ResourceType type, String name, PatternType pattern, AclOperation op) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", op, AclPermissionType.ALLOW));
    }
}
