package io.prefectlifecycle.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * SIGTERM and SIGINT start an orderly stop on the caller's terms: the JVM does not begin its own shutdown (whose exit
 * status would be 143), so {@code run} closes Kafka Streams (and {@code local} its whole stack) and exits with its own
 * status, 0 for a clean stop. A second
 * signal exits at once. Where the signal handlers cannot be replaced (a JVM run with {@code -Xrs}), a shutdown hook
 * does the same, with the JVM's exit status.
 */
public final class TerminationSignals {

    private static final Logger LOG = LoggerFactory.getLogger(TerminationSignals.class);

    private final AtomicBoolean signalled = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);

    private TerminationSignals() {
    }

    /**
     * @param onSignal     called once, on a signal-handling thread, with the signal's name
     * @param hookDeadline how long a fallback shutdown hook holds the JVM for the stop to finish
     */
    public static TerminationSignals install(Consumer<String> onSignal, Duration hookDeadline) {
        TerminationSignals signals = new TerminationSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal.handle(new Signal(name), signal -> signals.received("SIG" + signal.getName(), onSignal));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debug("cannot handle SIG{} ({}): a shutdown hook stops the app instead", name, e.getMessage());
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    signals.received("shutdown", onSignal);
                    signals.awaitFinished(hookDeadline);
                }, "shutdown"));
                break;
            }
        }
        return signals;
    }

    /** Lets a fallback shutdown hook return. */
    public void finished() {
        finished.countDown();
    }

    private void received(String name, Consumer<String> onSignal) {
        if (signalled.compareAndSet(false, true)) {
            LOG.info("{} received: stopping", name);
            onSignal.accept(name);
        } else if (!name.equals("shutdown")) {
            LOG.warn("{} received again: exiting without waiting", name);
            Runtime.getRuntime().halt(130);
        }
    }

    private void awaitFinished(Duration deadline) {
        try {
            finished.await(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
