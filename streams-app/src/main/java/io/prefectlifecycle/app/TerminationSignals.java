package io.prefectlifecycle.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
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

    private TerminationSignals() {}

    /**
     * @param onSignal     called once, on a signal-handling thread, with the signal's name
     * @param hookDeadline how long a fallback shutdown hook holds the JVM for the stop to finish
     */
    public static TerminationSignals install(Consumer<String> onSignal, Duration hookDeadline) {
        TerminationSignals signals = new TerminationSignals();
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                replaceHandler(name, () -> signals.received("SIG" + name, onSignal));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.debug("cannot handle SIG{} ({}): a shutdown hook stops the app instead", name, e.getMessage());
                Runtime.getRuntime()
                        .addShutdownHook(new Thread(
                                () -> {
                                    signals.received("shutdown", onSignal);
                                    signals.awaitFinished(hookDeadline);
                                },
                                "shutdown"));
                break;
            }
        }
        return signals;
    }

    /**
     * {@code sun.misc.Signal.handle(new Signal(name), handler)}, by reflection: module jdk.unsupported's Signal is the
     * JDK's only way to replace a signal's handler, and every direct use of it is a compiler warning the build treats
     * as an error. Throws what {@code Signal} throws when the signal cannot be handled.
     */
    private static void replaceHandler(String name, Runnable handler) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> signalHandler = Class.forName("sun.misc.SignalHandler");
            Object proxy = Proxy.newProxyInstance(
                    signalHandler.getClassLoader(),
                    new Class<?>[] {signalHandler},
                    (self, method, args) -> switch (method.getName()) {
                        case "handle" -> {
                            handler.run();
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(self);
                        case "equals" -> self == args[0];
                        default -> "SIG" + name + " handler";
                    });
            signal.getMethod("handle", signal, signalHandler)
                    .invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new UnsupportedOperationException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new UnsupportedOperationException("no sun.misc.Signal in this JVM", e);
        }
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
