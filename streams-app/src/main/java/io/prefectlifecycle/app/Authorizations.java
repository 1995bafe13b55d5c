package io.prefectlifecycle.app;

import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ACLs the app's principal needs, checked before Kafka Streams starts (docs/operations.md, "Secured Kafka"):
 * without them Kafka Streams either fails minutes into a rebalance or, for topics it may not even see, waits forever
 * for input. Each check asks the broker what the principal may do ({@code includeAuthorizedOperations}) or makes a
 * harmless call that needs the ACL, and fails with a line naming the missing ACL. A broker without an authorizer
 * allows everything, and these checks pass.
 */
final class Authorizations {

    private static final Logger LOG = LoggerFactory.getLogger(Authorizations.class);
    private static final String SEE = " (docs/operations.md, Secured Kafka)";

    private Authorizations() {}

    /**
     * READ on the CDC topic. A topic the principal may not describe looks the same whether it exists or not; one that
     * does not exist yet, and may be seen, is taken as readable (the ACL is likely a prefix or a wildcard).
     */
    static void cdcTopics(Admin admin, TopologySettings topology, Duration timeout)
            throws Preflight.Failed, InterruptedException {
        String cdc = topology.cdcTopic();
        try {
            Set<AclOperation> allowed = admin.describeTopics(
                            List.of(cdc), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .topicNameValues()
                    .get(cdc)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .authorizedOperations();
            if (allows(allowed, AclOperation.READ)) {
                return;
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return;
            }
            if (!(e.getCause() instanceof TopicAuthorizationException)) {
                LOG.warn("cannot check the ACLs of the CDC topic: {}", ThreadFailurePolicy.describe(e.getCause()));
                return;
            }
        } catch (TimeoutException e) {
            LOG.warn("cannot check the ACLs of the CDC topic: {}", ThreadFailurePolicy.describe(e));
            return;
        }
        throw new Preflight.Failed(
                "not authorized to READ the CDC topic " + cdc + ": grant the app's principal READ " + "on it" + SEE);
    }

    /** WRITE on each output topic (they exist by now). */
    static void outputTopics(Admin admin, Map<String, Setting> outputs, AppConfig config, Duration timeout)
            throws Preflight.Failed, InterruptedException {
        Map<String, KafkaFuture<TopicDescription>> described = admin.describeTopics(
                        outputs.keySet(), new DescribeTopicsOptions().includeAuthorizedOperations(true))
                .topicNameValues();
        for (Map.Entry<String, KafkaFuture<TopicDescription>> entry : described.entrySet()) {
            Set<AclOperation> allowed;
            try {
                allowed = entry.getValue()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                        .authorizedOperations();
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("cannot check the ACLs of {}: {}", entry.getKey(), ThreadFailurePolicy.describe(e));
                continue;
            }
            if (!allows(allowed, AclOperation.WRITE)) {
                Setting setting = outputs.get(entry.getKey());
                throw new Preflight.Failed("not authorized to WRITE to the output topic " + entry.getKey() + " ("
                        + setting.key() + " from " + config.origins().get(setting) + "): grant the app's principal "
                        + "WRITE on it" + SEE);
            }
        }
    }

    /** READ on the consumer group {@code application.id} (Kafka Streams joins it and commits its offsets there). */
    static void group(Admin admin, AppConfig config, Duration timeout) throws Preflight.Failed, InterruptedException {
        String group = config.applicationId();
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(
                            List.of(group), new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true))
                    .describedGroups()
                    .get(group)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!allows(description.authorizedOperations(), AclOperation.READ)) {
                throw groupDenied(config);
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupAuthorizationException) {
                throw groupDenied(config);
            }
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                LOG.warn(
                        "cannot check the ACLs of the group {}: {}", group, ThreadFailurePolicy.describe(e.getCause()));
            }
        } catch (TimeoutException e) {
            LOG.warn("cannot check the ACLs of the group {}: {}", group, ThreadFailurePolicy.describe(e));
        }
    }

    /**
     * Exactly-once v2: WRITE on the transactional ids {@code <application.id>-…}, probed by describing one that does
     * not exist (not found when allowed, not authorized otherwise; WRITE includes DESCRIBE).
     */
    static void transactionalIds(Admin admin, AppConfig config, Duration timeout)
            throws Preflight.Failed, InterruptedException {
        if (config.processingGuarantee() != Setting.ProcessingGuarantee.EXACTLY_ONCE_V2) {
            return;
        }
        String probe = config.applicationId() + "-preflight-probe";
        try {
            admin.describeTransactions(List.of(probe))
                    .description(probe)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TransactionalIdAuthorizationException) {
                throw new Preflight.Failed("not authorized to use transactional ids " + config.applicationId()
                        + "-… (" + Setting.PROCESSING_GUARANTEE.key() + " exactly_once_v2): grant the app's principal "
                        + "WRITE on transactional ids prefixed " + config.applicationId() + " ("
                        + Setting.APPLICATION_ID.key() + " from "
                        + config.origins().get(Setting.APPLICATION_ID) + ")"
                        + SEE);
            }
            if (!(e.getCause() instanceof TransactionalIdNotFoundException)) {
                LOG.warn("cannot check the transactional id ACL: {}", ThreadFailurePolicy.describe(e.getCause()));
            }
        } catch (TimeoutException e) {
            LOG.warn("cannot check the transactional id ACL: {}", ThreadFailurePolicy.describe(e));
        }
    }

    private static Preflight.Failed groupDenied(AppConfig config) {
        return new Preflight.Failed("not authorized to READ the consumer group " + config.applicationId() + " ("
                + Setting.APPLICATION_ID.key() + " from " + config.origins().get(Setting.APPLICATION_ID) + "): grant "
                + "the app's principal READ on the group " + config.applicationId() + SEE);
    }

    /** Brokers that do not report operations (null) are given the benefit of the doubt. */
    private static boolean allows(Set<AclOperation> allowed, AclOperation operation) {
        return allowed == null || allowed.contains(operation) || allowed.contains(AclOperation.ALL);
    }
}
