package io.prefectlifecycle.bench;

import io.prefectlifecycle.app.StreamsApp;
import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.replay.ReplayOptions;
import io.prefectlifecycle.replay.ReplayResult;
import io.prefectlifecycle.replay.Replayer;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.ValueMapper;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The app on a real broker (in-JVM KRaft, {@link LocalKafka}), against a pass-through Streams app in the same run:
 * same topics, partitions, guarantee and Streams properties (the app's own {@link StreamsApp#properties} plus
 * 256 KB producer batches for both). Each run starts at the earliest offsets with a new application id and ends
 * when the group's committed input offsets reach the end offsets. Prints one tab-separated line per result
 * ({@code RESULT\t<name>\t<value>\t<unit>\t<note>}), which bench/run.sh turns into the table.
 *
 * <p>The input is the change stream as connect-config/ routes it: one topic {@code <prefix>.cdc}, every record in
 * order. The pass-through reads it with the app's own source (a pattern of the one name) and copies it byte for byte.
 *
 * <p>Arguments: {@code records=1000000 partitions=1,2,4 guarantees=exactly_once_v2,at_least_once replay=true
 * live=100000 large=1000000 repeat=1}, and {@code streams.<property>=<value>} to override a Streams property for both
 * apps. {@code large}: one transaction of that many changes through the shipped jar's {@code run} under -Xmx256m
 * ({@code large.jvm="<options>"}: more JVM options for it, e.g. a flight recording).
 */
public final class BrokerBench {

    private static final PrintStream OUT = System.out;
    private static final int BATCH = 262_144;

    private final LocalKafka kafka;
    private final Path stateRoot;
    private final Map<String, String> overrides;
    private int runs;

    private BrokerBench(LocalKafka kafka, Path stateRoot, Map<String, String> overrides) {
        this.kafka = kafka;
        this.stateRoot = stateRoot;
        this.overrides = overrides;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchArgs.parse(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "1000000"));
        List<Integer> partitions = BenchArgs.numbers(opts, "partitions", "1");
        List<String> guarantees = List.of(
                opts.getOrDefault("guarantees", "exactly_once_v2,at_least_once").split(","));
        int repeat = Integer.parseInt(opts.getOrDefault("repeat", "1"));
        int live = Integer.parseInt(opts.getOrDefault("live", "100000"));
        boolean replay = Boolean.parseBoolean(opts.getOrDefault("replay", "true"));
        int large = Integer.parseInt(opts.getOrDefault("large", "0"));

        Path stateRoot = Files.createTempDirectory("prefect-cdc-bench-");
        try (LocalKafka kafka = LocalKafka.start()) {
            Map<String, String> overrides = opts.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("streams."))
                    .collect(Collectors.toMap(e -> e.getKey().substring("streams.".length()), Map.Entry::getValue));
            BrokerBench bench = new BrokerBench(kafka, stateRoot, overrides);
            List<Corpus.Rec> corpus = Corpus.ofSize(records);
            bench.warmUp(Math.min(100_000, records));
            for (int p : partitions) {
                String prefix = "p" + p;
                long total = bench.preload(prefix, p, corpus, true);
                for (int r = 0; r < repeat; r++) {
                    for (String guarantee : guarantees) {
                        bench.compare(prefix, p, guarantee, total);
                    }
                }
                if (replay && p == partitions.get(0)) {
                    bench.replay(prefix, total);
                }
            }
            if (live > 0) {
                bench.live(live);
            }
            if (large > 0) {
                bench.largeTransaction(large, opts.getOrDefault("large.jvm", ""));
            }
        } finally {
            deleteRecursively(stateRoot);
        }
    }

    private static void result(String name, double value, String unit, String note) {
        OUT.printf(Locale.ROOT, "RESULT\t%s\t%.3f\t%s\t%s%n", name, value, unit, note);
        OUT.flush();
    }

    /**
     * Creates __consumer_offsets and __transaction_state, and warms up the broker, the pass-through and the app (the
     * JIT compiles the app's code here, not during the measured run): not reported.
     */
    private void warmUp(int records) throws Exception {
        List<Corpus.Rec> small = Corpus.ofSize(records);
        long total = preload("warm", 1, small, false);
        TopologySettings settings = settings("warm");
        createTopics(Set.of("warm-pass-out", settings.eventsTopic(), settings.deadLetterTopic()), 1);
        for (String guarantee : List.of(StreamsConfig.EXACTLY_ONCE_V2, StreamsConfig.AT_LEAST_ONCE)) {
            String g = guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) ? "eos" : "alos";
            runToEnd(
                    "warm-pass-" + g,
                    passThrough("warm", "warm-pass-out"),
                    props("warm-pass-" + g, guarantee, 1),
                    "warm",
                    total);
            runToEnd(
                    "warm-jackson-" + g,
                    jacksonThrough("warm", "warm-pass-out"),
                    props("warm-jackson-" + g, guarantee, 1),
                    "warm",
                    total);
            runToEnd("warm-app-" + g, app(settings), props("warm-app-" + g, guarantee, 1), "warm", total);
        }
    }

    /** Writes the corpus, in order; returns how many records the topic holds (a retried batch may be there twice). */
    private long preload(String prefix, int partitions, Iterable<Corpus.Rec> corpus, boolean report) throws Exception {
        String topic = TopologySettings.cdcTopicOf(prefix);
        createTopics(Set.of(topic), partitions);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        // in order, without the idempotent producer's sequence checks (which failed here once under load)
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        long bytes = 0;
        long records = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Corpus.Rec r : corpus) {
                producer.send(new ProducerRecord<>(topic, null, r.timestampMillis(), r.key(), r.value()));
                bytes += r.key().length + r.value().length;
                records++;
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (report) {
            result(
                    "preload " + partitions + "p",
                    records / seconds,
                    "records/s",
                    String.format(
                            Locale.ROOT,
                            "%,d records, %.0f MB/s, batch.size 256 KB, linger.ms 20",
                            records,
                            bytes / seconds / 1e6));
        }
        return endOffsets(topic);
    }

    private void createTopics(Set<String> topics, int partitions) throws Exception {
        try (Admin admin = kafka.admin()) {
            Set<String> existing = admin.listTopics().names().get();
            admin.createTopics(topics.stream()
                            .filter(t -> !existing.contains(t))
                            .map(t -> new NewTopic(t, partitions, (short) 1))
                            .toList())
                    .all()
                    .get();
        }
    }

    /** The app's Streams properties, the same for the app and the pass-through. */
    private Properties props(String appId, String guarantee, int threads) {
        Properties props = StreamsApp.properties(kafka.bootstrapServers(), appId, stateRoot.resolve(appId));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), BATCH);
        props.putAll(overrides);
        return props;
    }

    /** The same source as the app (a pattern of the one CDC topic, so the same task) copied byte for byte. */
    private static Function<Properties, KafkaStreams> passThrough(String prefix, String outTopic) {
        return copy(prefix, outTopic, value -> value);
    }

    /**
     * The pass-through, each value parsed into a Jackson tree and written back ({@link JacksonBaseline}): the least an
     * app that reads its records does, and so the ceiling of any such app's ratio to the pass-through.
     */
    private static Function<Properties, KafkaStreams> jacksonThrough(String prefix, String outTopic) {
        return copy(prefix, outTopic, JacksonBaseline::roundTrip);
    }

    private static Function<Properties, KafkaStreams> copy(
            String prefix, String outTopic, ValueMapper<byte[], byte[]> value) {
        return props -> {
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream(
                            Pattern.compile(Pattern.quote(settings(prefix).cdcTopic())),
                            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                    .mapValues(value)
                    .to(outTopic, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
            return new KafkaStreams(builder.build(), props);
        };
    }

    private static Function<Properties, KafkaStreams> app(TopologySettings settings) {
        return props -> StreamsApp.create(settings, props).streams();
    }

    private static TopologySettings settings(String prefix) {
        return new TopologySettings(
                TopologySettings.cdcTopicOf(prefix),
                prefix + ".lifecycle-events",
                prefix + ".lifecycle-events.dlq",
                Optional.empty(),
                false);
    }

    private void compare(String prefix, int partitions, String guarantee, long total) throws Exception {
        String g = guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2) ? "EOS v2" : "ALOS";
        int run = ++runs;
        String passOut = prefix + ".pass-" + run;
        TopologySettings settings = settings(prefix);
        createTopics(Set.of(passOut, settings.eventsTopic(), settings.deadLetterTopic()), partitions);
        long eventsBefore = endOffsets(settings.eventsTopic());
        long deadBefore = endOffsets(settings.deadLetterTopic());

        Run pass = runToEnd(
                "pass-" + run,
                passThrough(prefix, passOut),
                props("pass-" + run, guarantee, partitions),
                prefix,
                total);
        String label = String.format(Locale.ROOT, "%s, %dp/%dt", g, partitions, partitions);
        result("pass-through " + label, pass.rate(), "records/s", pass.note());
        if (partitions > 1) {
            // run's pre-flight refuses such topics: a transaction and its lookups would be split over tasks
            result(
                    "app " + label,
                    0,
                    "not run",
                    "the app refuses a CDC topic of more than one partition: the topic "
                            + "is the database's commit order (docs/adr/0004); the pass-through shows what the broker would allow");
            return;
        }
        String jacksonOut = prefix + ".jackson-" + run;
        createTopics(Set.of(jacksonOut), partitions);
        Run jackson = runToEnd(
                "jackson-" + run,
                jacksonThrough(prefix, jacksonOut),
                props("jackson-" + run, guarantee, partitions),
                prefix,
                total);
        result(
                "Jackson pass-through " + label,
                jackson.rate(),
                "records/s",
                jackson.note() + "; each value parsed into a tree and written back");
        Properties appProps = props("app-" + run, guarantee, partitions);
        Run app = runToEnd("app-" + run, app(settings), appProps, prefix, total);
        long events = endOffsets(settings.eventsTopic()) - eventsBefore;
        long dead = endOffsets(settings.deadLetterTopic()) - deadBefore;
        result(
                "app " + label,
                app.rate(),
                "records/s",
                app.note()
                        + String.format(
                                Locale.ROOT,
                                "; events topic +%,d offsets (EOS: with transaction markers), dead-letter topic +%,d",
                                events,
                                dead));
        result("app/pass-through " + label, app.rate() / pass.rate(), "ratio", "same input, same properties");
        result(
                "Jackson pass-through/pass-through " + label,
                jackson.rate() / pass.rate(),
                "ratio",
                "the ceiling of an app that parses what it reads");
        result(
                "app/Jackson pass-through " + label,
                app.rate() / jackson.rate(),
                "ratio",
                "same input, same properties");
    }

    private record Run(long records, double seconds, double cpuSeconds) {
        double rate() {
            return records / seconds;
        }

        String note() {
            return String.format(
                    Locale.ROOT,
                    "%,d records in %.1f s, JVM CPU %.0f µs/record (broker included)",
                    records,
                    seconds,
                    cpuSeconds * 1e6 / records);
        }
    }

    private Run runToEnd(
            String appId, Function<Properties, KafkaStreams> factory, Properties props, String prefix, long total)
            throws Exception {
        KafkaStreams streams = factory.apply(props);
        Map<String, Long> threads0 = ThreadCpu.byName();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        streams.start();
        try (Admin admin = kafka.admin()) {
            long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
            while (committed(admin, appId, prefix) < total) {
                if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR) {
                    throw new IllegalStateException(appId + " did not reach the end offsets: " + streams.state());
                }
                Thread.sleep(50);
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        OUT.println("THREAD " + appId + " " + threadRatios(streams));
        OUT.println("CPU " + appId + " " + ThreadCpu.top(threads0, ThreadCpu.byName(), total, 8));
        streams.close(Duration.ofSeconds(30));
        streams.cleanUp();
        return new Run(total, seconds, cpu);
    }

    /** Where the stream thread's time went: Kafka Streams' thread-level {@code *-ratio} metrics and latencies. */
    private static String threadRatios(KafkaStreams streams) {
        return streams.metrics().values().stream()
                .filter(m -> m.metricName().group().equals("stream-thread-metrics"))
                .filter(m -> m.metricName().name().endsWith("-ratio")
                        || m.metricName().name().endsWith("-latency-avg")
                        || m.metricName().name().equals("blocked-time-ns-total"))
                .map(m -> m.metricName().name() + "="
                        + String.format(Locale.ROOT, "%.3f", ((Number) m.metricValue()).doubleValue()))
                .sorted()
                .collect(Collectors.joining(" "));
    }

    private long committed(Admin admin, String appId, String prefix) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(appId)
                .partitionsToOffsetAndMetadata()
                .get();
        return offsets.entrySet().stream()
                .filter(e -> e.getKey().topic().startsWith(prefix + "."))
                .filter(e -> e.getValue() != null)
                .mapToLong(e -> e.getValue().offset())
                .sum();
    }

    private long endOffsets(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            int partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
            Map<TopicPartition, OffsetSpec> spec = new java.util.HashMap<>();
            for (int i = 0; i < partitions; i++) {
                spec.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            return admin.listOffsets(spec).all().get().values().stream()
                    .mapToLong(o -> o.offset())
                    .sum();
        }
    }

    private void replay(String prefix, long total) throws Exception {
        String to = prefix + ".replayed";
        createTopics(Set.of(to), 1);
        Properties clients = new Properties();
        clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        ReplayOptions options = new ReplayOptions(
                clients, settings(prefix), to, Optional.empty(), Optional.empty(), "bench-replay-" + prefix);
        ReplayResult r = new Replayer(options, new PrintStream(PrintStream.nullOutputStream()), System::nanoTime).run();
        result(
                "replay",
                r.recordsPerSecond(),
                "records/s",
                String.format(
                        Locale.ROOT,
                        "%,d records in %.1f s; %,d events (%.0f events/s), %,d dead letters",
                        r.recordsRead(),
                        r.elapsed().toMillis() / 1e3,
                        r.eventsWritten(),
                        r.eventsPerSecond(),
                        r.deadLetters()));
        if (r.recordsRead() != total) {
            throw new IllegalStateException("replay read " + r.recordsRead() + " of " + total);
        }
    }

    /** The app's heap and state with {@code n} live objects (variables), EOS v2, one partition. */
    private void live(int n) throws Exception {
        String prefix = "live";
        List<Corpus.Rec> corpus = Corpus.liveVariables(n);
        long total = preload(prefix, 1, corpus, false);
        TopologySettings settings = settings(prefix);
        createTopics(Set.of(settings.eventsTopic(), settings.deadLetterTopic()), 1);
        long before = liveHeap();
        String appId = "live-app";
        Properties props = props(appId, StreamsConfig.EXACTLY_ONCE_V2, 1);
        KafkaStreams streams = app(settings).apply(props);
        streams.start();
        try (Admin admin = kafka.admin()) {
            while (committed(admin, appId, prefix) < total) {
                Thread.sleep(100);
            }
        }
        long after = liveHeap();
        long stateBytes = size(stateRoot.resolve(appId));
        result(
                "heap with " + n + " live objects",
                (after - before) / 1e6,
                "MB",
                String.format(
                        Locale.ROOT,
                        "live heap after full GC, app running minus before it started "
                                + "(same JVM as the broker: %.0f MB in all)",
                        after / 1e6));
        result(
                "state store with " + n + " live objects",
                stateBytes / 1e6,
                "MB",
                "RocksDB state directory on disk (off-heap), both stores");
        streams.close(Duration.ofSeconds(30));
        streams.cleanUp();
        liveInOwnJvm(n, prefix, total);
    }

    /**
     * The shipped jar's {@code run} in its own JVM capped at the heap target (-Xmx256m) over the same live objects:
     * it must get through them, and its live heap after a full GC (jcmd) is what a pod's heap needs.
     */
    private void liveInOwnJvm(int n, String prefix, long total) throws Exception {
        Path jar = Path.of("streams-app/target/prefect-lifecycle-cdc.jar");
        if (!Files.exists(jar)) {
            OUT.println("skipped the own-JVM heap run: " + jar + " is missing (./mvnw -pl streams-app package)");
            return;
        }
        String appId = "live-own-jvm";
        Process app = startOwnJvm(jar, appId, prefix, prefix + ".own-jvm-events", "");
        long t0 = System.nanoTime();
        try (Admin admin = kafka.admin()) {
            while (committed(admin, appId, prefix) < total) {
                if (!app.isAlive()) {
                    throw new IllegalStateException("the app exited with " + app.exitValue() + " before the end "
                            + "of the live objects; see " + stateRoot.resolve(appId + ".log"));
                }
                Thread.sleep(200);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            jcmd(app.pid(), "GC.run");
            String heap = jcmd(app.pid(), "GC.heap_info");
            java.util.regex.Matcher used =
                    java.util.regex.Pattern.compile("used (\\d+)K").matcher(heap);
            double usedMb = used.find() ? Long.parseLong(used.group(1)) / 1024.0 : Double.NaN;
            result(
                    "heap with " + n + " live objects, own JVM",
                    usedMb,
                    "MB",
                    String.format(
                            Locale.ROOT,
                            "`run` with -Xmx256m: %,d records in %.1f s, heap used after a full GC (jcmd GC.heap_info)",
                            total,
                            seconds));
        } finally {
            app.destroy();
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * One transaction of {@code n} changes through the shipped jar's {@code run} in its own JVM under -Xmx256m: it must
     * get through without running out of heap (the open transaction spills to its store), and the heap it used at
     * most, sampled every 200 ms, is reported with the time from start to the last event.
     */
    private void largeTransaction(int n, String extraJvmOptions) throws Exception {
        Path jar = Path.of("streams-app/target/prefect-lifecycle-cdc.jar");
        if (!Files.exists(jar)) {
            OUT.println("skipped the large transaction: " + jar + " is missing (./mvnw -pl streams-app package)");
            return;
        }
        String prefix = "large";
        long total = preload(prefix, 1, Corpus.oneTransaction(n), false);
        TopologySettings settings = settings(prefix);
        createTopics(Set.of(settings.eventsTopic(), settings.deadLetterTopic()), 1);
        String appId = "large-own-jvm";
        long t0 = System.nanoTime();
        Process app = startOwnJvm(jar, appId, prefix, settings.eventsTopic(), extraJvmOptions);
        double maxUsedMb = 0;
        long changesReadAt = 0;
        try (Admin admin = kafka.admin()) {
            for (long committed; (committed = committed(admin, appId, prefix)) < total; ) {
                if (!app.isAlive()) {
                    throw new IllegalStateException("the app exited with " + app.exitValue() + " inside the large "
                            + "transaction; see " + stateRoot.resolve(appId + ".log"));
                }
                if (changesReadAt == 0 && endOffsets(settings.eventsTopic()) > 0) {
                    // the first events are written (uncommitted, but in the log): the END is being read
                    changesReadAt = System.nanoTime();
                }
                maxUsedMb = Math.max(maxUsedMb, heapUsedMb(app.pid()));
                Thread.sleep(200);
            }
            long end = System.nanoTime();
            long events = endOffsets(settings.eventsTopic());
            result(
                    "transaction of " + n + " changes, own JVM",
                    (end - t0) / 1e9,
                    "s",
                    String.format(
                            Locale.ROOT,
                            "`run` with -Xmx256m from start to the transaction committed: %,d records, events topic +%,d "
                                    + "offsets; from its first event written to committed %.1f s (one Kafka transaction); heap used at most "
                                    + "%.0f MB (jcmd GC.heap_info every 200 ms)",
                            total,
                            events,
                            changesReadAt == 0 ? 0 : (end - changesReadAt) / 1e9,
                            maxUsedMb));
        } finally {
            app.destroy();
            app.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** The shipped jar's {@code run} in its own JVM under -Xmx256m, its output in {@code <appId>.log}. */
    private Process startOwnJvm(Path jar, String appId, String prefix, String eventsTopic, String extraJvmOptions)
            throws IOException {
        return JarLauncher.of(jar)
                .jvm("-Xmx256m", "-XX:+ExitOnOutOfMemoryError")
                .jvm(Arrays.stream(extraJvmOptions.split(" "))
                        .filter(o -> !o.isBlank())
                        .toArray(String[]::new))
                .args("run")
                .env("PREFECT_CDC_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                .env("PREFECT_CDC_APPLICATION_ID", appId)
                .env("PREFECT_CDC_TOPIC_PREFIX", prefix)
                .env("PREFECT_CDC_EVENTS_TOPIC", eventsTopic)
                .env("PREFECT_CDC_DEAD_LETTER_TOPIC", eventsTopic + ".dlq")
                .env("PREFECT_CDC_STATE_DIR", stateRoot.resolve(appId).toString())
                .env("PREFECT_CDC_HTTP_PORT", String.valueOf(FreePorts.next()))
                .log(stateRoot.resolve(appId + ".log"))
                .start();
    }

    private static double heapUsedMb(long pid) throws IOException, InterruptedException {
        java.util.regex.Matcher used =
                java.util.regex.Pattern.compile("used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
        return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : 0;
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(JarLauncher.javaTool("jcmd"), String.valueOf(pid), command)
                .redirectErrorStream(true)
                .start();
        String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    private static long liveHeap() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long size(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(files.toList());
            all.sort(Comparator.reverseOrder());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
