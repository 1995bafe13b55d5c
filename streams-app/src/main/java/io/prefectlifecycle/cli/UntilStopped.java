package io.prefectlifecycle.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a client command's work so that Ctrl-C/SIGTERM stops it cleanly: the shutdown hook asks the work to stop and
 * holds the JVM until the work has finished (its Kafka transaction aborted or committed), at most {@code grace}.
 */
final class UntilStopped {

    /** Work that runs until done or stopped from another thread. */
    interface Work {
        void run() throws Exception;

        void stop();
    }

    private UntilStopped() {}

    /** @return 0 when the work finished, 1 when it failed (the reason printed as {@code <command>: <message>}) */
    static int run(String command, Work work, Duration grace, PrintStream err) {
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(
                () -> {
                    work.stop();
                    try {
                        finished.await(grace.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                command + "-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            work.run();
            return 0;
        } catch (Exception e) {
            err.println(command + ": " + e.getMessage());
            return 1;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the latch released above
            }
        }
    }
}
