package io.prefectlifecycle.bench;

import io.prefectlifecycle.local.FreePorts;
import io.prefectlifecycle.local.LocalKafka;
import io.prefectlifecycle.testsupport.JarLauncher;
import io.prefectlifecycle.topology.TopologySettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Several sources spread over instances: the shipped jar's {@code run --sources} over {@code sources} change streams
 * preloaded with the same mixed corpus as {@link BrokerBench} ({@code records} records each), once with one instance
 * and once with two (a fresh application id each time, from the earliest offsets), each instance its own JVM
 * ({@code -Xmx512m}). The broker runs in this JVM. Measured over the last four fifths of every source (the first fifth
 * warms the JIT up): records/s over all sources, the app JVMs' CPU per record (their CPU time over the same span, read
 * from {@code /proc}: the broker and this JVM are not in it), this JVM's CPU per record (the broker's share), and each
 * task's rate (its records over the time its source took to be committed to the end). Prints
 * {@code RESULT\t<name>\t<value>\t<unit>\t<note>} lines like {@link BrokerBench}.
 *
 * <p>Arguments: {@code records=100000 sources=4 instances=1,2}.
 */
public final class SourcesBench {

    private static final PrintStream OUT = System.out;
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final long CLOCK_TICKS = 100;

    private final LocalKafka kafka;
    private final Path work;
    private final List<String> sources;
    private final Map<String, Long> ends = new LinkedHashMap<>();

    private SourcesBench(LocalKafka kafka, Path work, List<String> sources) {
        this.kafka = kafka;
        this.work = work;
        this.sources = sources;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchArgs.parse(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "100000"));
        int count = Integer.parseInt(opts.getOrDefault("sources", "4"));
        List<Integer> instances = BenchArgs.numbers(opts, "instances", "1,2");
        Path jar = Path.of("streams-app/target/prefect-lifecycle-cdc.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: ./mvnw -pl streams-app package -DskipTests");
        }
        Path work = Files.createTempDirectory("prefect-cdc-sources-bench-");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            names.add("s" + i);
        }
        try (LocalKafka kafka = LocalKafka.start()) {
            SourcesBench bench = new SourcesBench(kafka, work, names);
            bench.preload(Corpus.ofSize(records));
            int run = 0;
            for (int n : instances) {
                bench.measure(jar, n, ++run);
            }
        }
    }

    private static void result(String name, double value, String unit, String note) {
        OUT.printf(Locale.ROOT, "RESULT\t%s\t%.3f\t%s\t%s%n", name, value, unit, note);
        OUT.flush();
    }

    private void preload(List<Corpus.Rec> corpus) throws Exception {
        List<String> topics = new ArrayList<>(List.of("sources.events", "sources.events.dlq"));
        sources.forEach(s -> topics.add(cdcTopic(s)));
        kafka.createTopics(topics);
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 262_144);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String source : sources) {
                for (Corpus.Rec r : corpus) {
                    producer.send(new ProducerRecord<>(cdcTopic(source), 0, r.timestampMillis(), r.key(), r.value()));
                }
            }
            producer.flush();
        }
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            sources.forEach(s -> latest.put(new TopicPartition(cdcTopic(s), 0), OffsetSpec.latest()));
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.topic(), info.offset()));
        }
    }

    /** One run: {@code n} instances over every source, until the group has committed every record. */
    private void measure(Path jar, int n, int run) throws Exception {
        String appId = "sources-bench-" + run;
        List<Process> apps = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        try (Admin admin = kafka.admin()) {
            for (int i = 0; i < n; i++) {
                int port = FreePorts.next();
                ports.add(port);
                apps.add(start(jar, appId, i, port));
            }
            awaitReady(apps, ports);
            // the measured window starts once a fifth of every source is committed: the JIT has compiled the hot
            // paths by then, and every instance runs its share of the tasks
            Map<String, Long> before = new LinkedHashMap<>();
            while (before.size() < sources.size()) {
                alive(apps);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
                        .partitionsToOffsetAndMetadata()
                        .get();
                before.clear();
                for (String source : sources) {
                    OffsetAndMetadata offset = committed.get(new TopicPartition(cdcTopic(source), 0));
                    if (offset != null && offset.offset() >= ends.get(cdcTopic(source)) / 5) {
                        before.put(cdcTopic(source), offset.offset());
                    }
                }
                Thread.sleep(20);
            }
            long cpu0 = cpuNanos(apps);
            long own0 = ownCpuNanos();
            long t0 = System.nanoTime();
            Map<String, Long> doneAt = new LinkedHashMap<>();
            while (doneAt.size() < sources.size()) {
                alive(apps);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(appId)
                        .partitionsToOffsetAndMetadata()
                        .get();
                for (String source : sources) {
                    OffsetAndMetadata offset = committed.get(new TopicPartition(cdcTopic(source), 0));
                    if (!doneAt.containsKey(source)
                            && offset != null
                            && offset.offset() >= ends.get(cdcTopic(source))) {
                        doneAt.put(source, System.nanoTime());
                    }
                }
                Thread.sleep(20);
            }
            long t1 = doneAt.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            double seconds = (t1 - t0) / 1e9;
            long cpu = cpuNanos(apps) - cpu0;
            long own = ownCpuNanos() - own0;
            long total = ends.entrySet().stream()
                    .mapToLong(e -> e.getValue() - before.get(e.getKey()))
                    .sum();
            String label =
                    String.format(Locale.ROOT, "%d sources, %d instance%s", sources.size(), n, n == 1 ? "" : "s");
            String load = loadAverage();
            result(
                    label + ": records/s",
                    total / seconds,
                    "records/s",
                    String.format(
                            Locale.ROOT,
                            "%,d records in %.1f s (the last four fifths of each source), EOS v2, one stream thread each; "
                                    + "load at the end %s",
                            total,
                            seconds,
                            load));
            result(
                    label + ": app CPU per record",
                    cpu / 1e3 / total,
                    "µs/record",
                    String.format(
                            Locale.ROOT,
                            "the app JVMs' CPU time over the same span, %.1f s for %,d records (broker excluded): %.0f "
                                    + "records per CPU-second, %.2f cores used",
                            cpu / 1e9,
                            total,
                            total / (cpu / 1e9),
                            cpu / 1e9 / seconds));
            result(
                    label + ": broker and bench CPU per record",
                    own / 1e3 / total,
                    "µs/record",
                    "this JVM: the in-process KRaft broker (and the offset polling)");
            for (Map.Entry<String, Long> done : doneAt.entrySet()) {
                double taskSeconds = (done.getValue() - t0) / 1e9;
                long taskRecords = ends.get(cdcTopic(done.getKey())) - before.get(cdcTopic(done.getKey()));
                result(
                        label + ": task of " + done.getKey(),
                        taskRecords / taskSeconds,
                        "records/s",
                        String.format(
                                Locale.ROOT,
                                "%,d records, committed to the end after %.1f s",
                                taskRecords,
                                taskSeconds));
            }
        } finally {
            for (Process app : apps) {
                app.destroy();
            }
            for (Process app : apps) {
                if (!app.waitFor(60, TimeUnit.SECONDS)) {
                    app.destroyForcibly();
                }
            }
        }
    }

    private void alive(List<Process> apps) {
        for (Process app : apps) {
            if (!app.isAlive()) {
                throw new IllegalStateException("an instance exited with " + app.exitValue() + "; see " + work);
            }
        }
    }

    private Process start(Path jar, String appId, int instance, int port) throws IOException {
        return JarLauncher.of(jar)
                .jvm("-Xmx512m", "-XX:+ExitOnOutOfMemoryError")
                .args("run")
                .withoutEnv("PREFECT_", "KAFKA_")
                .env("PREFECT_CDC_BOOTSTRAP_SERVERS", kafka.bootstrapServers())
                .env("PREFECT_CDC_APPLICATION_ID", appId)
                .env(
                        "PREFECT_CDC_SOURCES",
                        sources.stream().map(s -> s + "=" + s).collect(Collectors.joining(",")))
                .env("PREFECT_CDC_EVENTS_TOPIC", "sources.events")
                .env("PREFECT_CDC_DEAD_LETTER_TOPIC", "sources.events.dlq")
                .env(
                        "PREFECT_CDC_STATE_DIR",
                        work.resolve(appId + "-" + instance).toString())
                .env("PREFECT_CDC_HTTP_PORT", Integer.toString(port))
                .env("KAFKA_PRODUCER_BATCH_SIZE", "262144")
                .log(work.resolve(appId + "-" + instance + ".log"))
                .start();
    }

    /** Every instance RUNNING with its share of the tasks (the group is stable: the last rebalance is done). */
    private void awaitReady(List<Process> apps, List<Integer> ports) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            int tasks = 0;
            int fewest = Integer.MAX_VALUE;
            boolean allReady = true;
            for (int port : ports) {
                HttpResponse<String> ready;
                try {
                    ready = HTTP.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    allReady = false;
                    continue;
                }
                allReady &= ready.statusCode() == 200;
                int active = ready.body().split("\"role\":\"active\"", -1).length - 1;
                tasks += active;
                fewest = Math.min(fewest, active);
            }
            if (allReady && tasks == sources.size() && fewest >= sources.size() / apps.size()) {
                return;
            }
            boolean alive = true;
            for (Process app : apps) {
                alive &= app.isAlive();
            }
            if (!alive) {
                throw new IllegalStateException("an instance exited before it was ready; see " + work);
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the instances were not ready within 3 minutes; see " + work);
    }

    /** The CPU time (user + system) of the processes, from {@code /proc/<pid>/stat}. */
    private static long cpuNanos(List<Process> apps) throws IOException {
        long ticks = 0;
        for (Process app : apps) {
            String stat = Files.readString(Path.of("/proc/" + app.pid() + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
        }
        return ticks * 1_000_000_000L / CLOCK_TICKS;
    }

    private static long ownCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return load[0] + " " + load[1] + " " + load[2];
        } catch (IOException e) {
            return "?";
        }
    }

    private static String cdcTopic(String source) {
        return TopologySettings.cdcTopicOf(source);
    }
}
