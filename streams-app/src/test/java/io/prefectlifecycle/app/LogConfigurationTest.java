package io.prefectlifecycle.app;

import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shipped log4j2.xml, in a context of its own: an unreachable broker is one line every few seconds instead of a
 * warning per connection attempt, and the library warnings a user cannot act on are not shown.
 */
class LogConfigurationTest {

    private final List<String> shown = new CopyOnWriteArrayList<>();
    private LoggerContext context;

    @BeforeEach
    void shippedConfiguration() throws URISyntaxException {
        context = new LoggerContext("LogConfigurationTest");
        context.setConfigLocation(
                LogConfigurationTest.class.getResource("/log4j2.xml").toURI());
        context.start();
        Appender capture = new AbstractAppender("capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                shown.add(event.getLevel() + " " + event.getLoggerName() + " "
                        + event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        context.getConfiguration().getRootLogger().addAppender(capture, null, null);
        context.updateLoggers();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void anUnreachableBrokerIsOneLineAtATimeNotOnePerAttempt() {
        var networkClient = context.getLogger("org.apache.kafka.clients.NetworkClient");
        for (int attempt = 0; attempt < 35; attempt++) {
            networkClient.warn("[AdminClient clientId=adminclient-1] Connection to node -1 (/127.0.0.1:1) could not be "
                    + "established. Node may not be available.");
        }
        assertEquals(1, shown.size(), String.join("\n", shown));
        networkClient.error("an error still shows");
        assertEquals(2, shown.size(), String.join("\n", shown));
    }

    @Test
    void warningsAUserCannotActOnAreNotShown() {
        context.getLogger("org.apache.kafka.clients.NetworkClient")
                .warn("[NodeToControllerChannelManager id=1 "
                        + "name=registration] Attempting to close NetworkClient that has already been closed.");
        context.getLogger("org.apache.kafka.controller.QuorumController")
                .warn("[QuorumController id=1] Performing "
                        + "controller activation. The metadata log appears to be empty.");
        context.getLogger("org.apache.kafka.streams.processor.internals.StateDirectory")
                .warn("Using an OS temp " + "directory in the state.dir property can cause failures");
        context.getLogger("org.apache.kafka.streams.StreamsConfig")
                .warn("Processing exception handler is not enabled " + "for the GlobalThread.");
        context.getLogger("org.apache.kafka.connect.runtime.distributed.WorkerCoordinator")
                .warn("Close timed out with " + "1 pending requests to coordinator, terminating client connections");
        context.getLogger("org.apache.kafka.connect.runtime.distributed.DistributedHerder")
                .warn("[Worker "
                        + "clientId=connect-127.0.0.1:44767, groupId=prefect-cdc-local-connect] Catching up to assignment's "
                        + "config offset.");
        context.getLogger("org.apache.kafka.clients.producer.internals.Sender")
                .warn("[Producer clientId=x-producer, "
                        + "transactionalId=x-1] Got error produce response with correlation id 11 on topic-partition "
                        + "x-changelog-0, retrying (2147483646 attempts left). Error: CONCURRENT_TRANSACTIONS");
        assertEquals(List.of(), shown);
        context.getLogger("org.apache.kafka.connect.runtime.distributed.DistributedHerder")
                .warn("another warning");
        assertEquals(
                List.of("WARN org.apache.kafka.connect.runtime.distributed.DistributedHerder another warning"), shown);
    }

    @Test
    void otherLibraryWarningsAndThisAppsInfoStillShow() {
        context.getLogger("org.apache.kafka.streams.KafkaStreams").warn("a library warning");
        context.getLogger("org.apache.kafka.streams.KafkaStreams").info("a library info");
        context.getLogger("io.prefectlifecycle.local.LocalStack").info("local stack up");
        assertEquals(
                List.of(
                        "WARN org.apache.kafka.streams.KafkaStreams a library warning",
                        "INFO io.prefectlifecycle.local.LocalStack local stack up"),
                shown);
    }
}
