package io.prefectlifecycle.testsupport;

import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.local.LocalKafka.ScramUser;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * One KRaft broker ({@link LocalKafka}) for all tests of a class: started before the class's {@code @BeforeAll}
 * methods, closed after its {@code @AfterAll} methods (so they may still use it).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaBroker kafka = new KafkaBroker();
 * }</pre>
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {

    @FunctionalInterface
    private interface Starter {
        LocalKafka start() throws IOException, TimeoutException;
    }

    private final Starter starter;
    private LocalKafka kafka;
    private Duration startedIn;

    /** A plaintext broker without authentication. */
    public KafkaBroker() {
        this(LocalKafka::start);
    }

    private KafkaBroker(Starter starter) {
        this.starter = starter;
    }

    /** A broker that authenticates with SCRAM and authorizes with ACLs; {@code admin} is its super user. */
    public static KafkaBroker secured(ScramUser admin) {
        return new KafkaBroker(() -> LocalKafka.startSecured(admin));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        long t0 = System.nanoTime();
        kafka = starter.start();
        startedIn = Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    /** The running broker. */
    public LocalKafka get() {
        if (kafka == null) {
            throw new IllegalStateException(
                    "the broker runs only while the test class does (@RegisterExtension static)");
        }
        return kafka;
    }

    /** How long the broker took to start. */
    public Duration startedIn() {
        return startedIn;
    }

    public String bootstrapServers() {
        return get().bootstrapServers();
    }

    public Admin admin() {
        return get().admin();
    }

    public Map<String, Object> adminClientSettings() {
        return get().adminClientSettings();
    }

    public void createTopics(Collection<String> topics) throws IOException, InterruptedException {
        get().createTopics(topics);
    }

    public void addScramUser(ScramUser user) throws IOException, InterruptedException {
        get().addScramUser(user);
    }
}
