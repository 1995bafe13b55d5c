package io.prefectlifecycle.app;

import io.prefectlifecycle.topology.TopologySettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code run}: the HTTP endpoint first (live while starting), the pre-flight checks, then Kafka Streams until SIGTERM
 * or a fatal error, then a close bounded by {@code shutdown.timeout}.
 * <p>Exit status: 0 stopped by a signal and closed in time; 1 a pre-flight check failed, Kafka Streams stopped by
 * itself (a fatal error), or the close ran out of time. ({@code run} returns 2 for invalid configuration.)
 */
public final class StreamsService {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsService.class);

    public static final int STOPPED = 0;
    public static final int FAILED = 1;

    /** Why the service stops: a signal ({@code requested}) or Kafka Streams stopping by itself. */
    private record Stop(String why, boolean requested) {}

    private StreamsService() {}

    public static int run(AppConfig config, List<TopologySettings> sources) {
        LOG.info("configuration:\n{}", config);
        config.warnings().forEach(warning -> LOG.warn("configuration: {}", warning));
        CompletableFuture<Stop> stop = new CompletableFuture<>();
        Thread main = Thread.currentThread();
        AtomicBoolean starting = new AtomicBoolean(true);
        AtomicReference<StreamsApp> running = new AtomicReference<>();
        TerminationSignals signals = TerminationSignals.install(
                signal -> {
                    stop.complete(new Stop(signal, true));
                    synchronized (running) {
                        if (starting.get()) {
                            main.interrupt();
                        }
                    }
                },
                config.shutdownTimeout().plusSeconds(5));
        try (Telemetry telemetry = new Telemetry();
                AutoCloseable http = http(config, telemetry, running)) {
            MicrometerPipelineMetrics pipeline = new MicrometerPipelineMetrics(telemetry.registry(), Clock.systemUTC());
            try {
                Preflight.check(config, sources);
            } catch (Preflight.Failed e) {
                LOG.error("pre-flight check failed: {}", e.getMessage());
                return FAILED;
            } catch (InterruptedException e) {
                LOG.info("stopped before Kafka Streams started");
                return STOPPED;
            }
            StreamsApp app = StreamsApp.create(sources, StreamsApp.properties(config, pipeline));
            telemetry.bind(app.streams());
            app.terminated().thenAccept(state -> stop.complete(new Stop("Kafka Streams is " + state, false)));
            synchronized (running) {
                starting.set(false);
                Thread.interrupted();
                if (stop.isDone()) {
                    app.close();
                    return STOPPED;
                }
                running.set(app);
                app.start();
            }
            Stop why = awaitUninterruptibly(stop);
            long t0 = System.nanoTime();
            LOG.info("stopping ({}): closing Kafka Streams within {}", why.why(), config.shutdownTimeout());
            boolean closed = app.close(config.shutdownTimeout(), true);
            long millis = (System.nanoTime() - t0) / 1_000_000;
            if (!closed) {
                LOG.error(
                        "Kafka Streams did not close within {} ({} from {}); exiting anyway",
                        config.shutdownTimeout(),
                        Setting.SHUTDOWN_TIMEOUT.key(),
                        config.origins().get(Setting.SHUTDOWN_TIMEOUT));
                return FAILED;
            }
            LOG.info("Kafka Streams closed in {} ms", millis);
            return why.requested() ? STOPPED : FAILED;
        } catch (IOException e) {
            LOG.error(
                    "{}: cannot serve HTTP on port {} (from {}): {}",
                    Setting.HTTP_PORT.key(),
                    config.httpPort(),
                    config.origins().get(Setting.HTTP_PORT),
                    ThreadFailurePolicy.describe(e));
            return FAILED;
        } catch (Exception e) {
            LOG.error("failed: {}", ThreadFailurePolicy.describe(e), e);
            return FAILED;
        } finally {
            signals.finished();
        }
    }

    private static AutoCloseable http(AppConfig config, Telemetry telemetry, AtomicReference<StreamsApp> running)
            throws IOException {
        if (config.httpPort() == 0) {
            return () -> {};
        }
        return HttpEndpoint.startWithTasks(
                config.httpPort(),
                () -> {
                    StreamsApp app = running.get();
                    return app == null
                            ? new HttpEndpoint.Status(HttpEndpoint.STARTING, List.of())
                            : new HttpEndpoint.Status(app.state().name(), app.tasks());
                },
                telemetry);
    }

    /** Only the signal handler interrupts, and only while starting: past that, waiting is all there is to do. */
    private static Stop awaitUninterruptibly(CompletableFuture<Stop> stop) {
        while (true) {
            try {
                return stop.get();
            } catch (InterruptedException e) {
                // see above
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
