package io.prefectlifecycle.forward;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.prefectlifecycle.avro.AvroEventDecoder;
import io.prefectlifecycle.avro.RegistryWriterSchemas;
import io.prefectlifecycle.cdc.Json;
import io.prefectlifecycle.registry.ConfluentWireFormat;
import io.prefectlifecycle.registry.SchemaRegistryClient;
import io.prefectlifecycle.registry.SchemaRegistryUnavailableException;
import io.prefectlifecycle.stream.InputRecord;
import io.prefectlifecycle.tail.EventFilter;
import io.prefectlifecycle.tail.TailedEvent;
import io.prefectlifecycle.topology.OutputRecords;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code forward}: reads the events topic as a consumer group ({@code read_committed}, offsets committed by hand) and
 * posts the events to a Prefect server's {@code POST /api/events}, in batches, each batch's offsets committed only
 * once the server accepted it: at least once, and Prefect de-duplicates by event id, which is stable here.
 * <ul>
 *   <li>At start the server's release is read ({@code GET /api/admin/version}): a server without the events API
 *       (before 2.16.9) is refused, and so is one that emits lifecycle events itself (3.7.4 on) unless
 *       {@code allowNative}: both would show each change, with different ids.</li>
 *   <li>While the server does not answer, or answers 5xx, 408 or 429, the batch is sent again after a doubling wait
 *       (capped); the partitions are paused meanwhile and the consumer keeps polling, so it stays in its group.</li>
 *   <li>401 or 403 stop the forwarder ({@link ForwardException}); so does a 404 of {@code /events}.</li>
 *   <li>Another 4xx rejects the batch: it is split until the event the server rejects is found, which is
 *       dead-lettered with the status.</li>
 *   <li>An event larger than Prefect's limit (1,500,000 bytes with the {@code received} time the server adds;
 *       Prefect drops such events without a word) and a record that is not an event go to the dead-letter topic, with
 *       {@code dlq.*} headers as {@code run} writes them ({@link OutputRecords#deadLetterHeaders}). The oversize event's
 *       value is left out: it stays at {@code dlq.source.topic}/{@code dlq.source.offset}.</li>
 *   <li>Events not matching the filter are skipped; their offsets are committed with the rest.</li>
 * </ul>
 * A group without committed offsets starts at the end of the topic (or its beginning with {@code fromBeginning}), and
 * the start is committed at once, so that a restart before the first event still resumes there.
 */
public final class Forwarder {

    private static final Logger LOG = LoggerFactory.getLogger(Forwarder.class);

    /** Health states, named as Kafka Streams' so that {@code /health/*} reads them alike. */
    public static final String RUNNING = "RUNNING";

    public static final String RETRYING = "RETRYING";
    public static final String NOT_RUNNING = "NOT_RUNNING";

    /** {@code ,"received":"2026-06-05T13:01:54.123456Z"}: what the server adds before it measures an event. */
    static final int RECEIVED_FIELD_BYTES = ",\"received\":\"\"".length() + "2026-06-05T13:01:54.123456Z".length();

    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);
    private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

    /**
     * @param clients          Kafka client properties (bootstrap servers, SASL/SSL, …)
     * @param deadLetterTopic  where oversize events and records that are not events go
     * @param batchSize        events per request at most (also the consumer's {@code max.poll.records})
     * @param maxEventBytes    Prefect's {@code PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES}
     * @param schemaRegistry   where the writer schemas of Avro events are
     */
    public record Options(
            Properties clients,
            String topic,
            String groupId,
            String deadLetterTopic,
            EventFilter filter,
            boolean fromBeginning,
            URI apiUrl,
            PrefectAuth auth,
            boolean allowNative,
            int batchSize,
            long maxEventBytes,
            Duration maxRetryInterval,
            Duration requestTimeout,
            Optional<URI> schemaRegistry) {}

    /** One event read and to be sent. */
    private record Pending(ConsumerRecord<byte[], byte[]> record, byte[] json, TailedEvent event) {}

    private final Options options;
    private final PrefectApi api;
    private final ForwardMetrics metrics;
    private final java.util.function.Consumer<Consumer<?, ?>> onConsumer;
    private final Optional<AvroEventDecoder> avroEvents;
    private final AtomicReference<String> state = new AtomicReference<>("STARTING");
    private final Set<TopicPartition> revoked = new HashSet<>();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private volatile boolean stopRequested;
    private volatile KafkaConsumer<byte[], byte[]> activeConsumer;
    private long sent;
    private long filtered;
    private long deadLetters;

    /** @param onConsumer told of the consumer before it polls (its metrics are bound there) */
    public Forwarder(Options options, MeterRegistry registry, java.util.function.Consumer<Consumer<?, ?>> onConsumer) {
        this.options = options;
        this.api = new PrefectApi(options.apiUrl(), options.auth(), options.requestTimeout());
        this.metrics = new ForwardMetrics(registry, Clock.systemUTC());
        this.onConsumer = onConsumer;
        this.avroEvents = options.schemaRegistry()
                .map(url -> new AvroEventDecoder(new RegistryWriterSchemas(new SchemaRegistryClient(url))));
    }

    /** {@code STARTING}, {@code RUNNING}, {@code RETRYING} (the server does not answer), {@code NOT_RUNNING}. */
    public String state() {
        return state.get();
    }

    public void stop() {
        stopRequested = true;
        stopping.countDown();
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
    }

    /**
     * Checks the server, then forwards until {@link #stop()}.
     *
     * @throws ForwardException when the server refuses the credentials, has no events API or emits lifecycle events
     */
    public void run() throws InterruptedException {
        try {
            checkServer();
            if (!stopRequested) {
                forward();
            }
        } finally {
            state.set(NOT_RUNNING);
            LOG.info("stopped: {} events sent, {} filtered out, {} dead letters", sent, filtered, deadLetters);
        }
    }

    // --- the server ---------------------------------------------------------------------------------------------

    private void checkServer() throws InterruptedException {
        Backoff backoff = new Backoff(FIRST_RETRY, options.maxRetryInterval());
        int attempts = 0;
        while (!stopRequested) {
            attempts++;
            PrefectApi.Reply reply;
            try {
                reply = api.version();
            } catch (IOException e) {
                waitForServer(attempts, "GET " + api.adminVersion(), describe(e), backoff.next());
                continue;
            }
            if (reply.retriable()) {
                waitForServer(attempts, "GET " + api.adminVersion(), "HTTP " + reply.status(), backoff.next());
                continue;
            }
            metrics.serverUp(true);
            if (reply.unauthorized()) {
                throw unauthorized("GET " + api.adminVersion(), reply);
            }
            if (!reply.accepted()) {
                if (options.allowNative()) {
                    LOG.warn(
                            "GET {} answered HTTP {}: the Prefect release is unknown; forwarding anyway "
                                    + "(--allow-native)",
                            api.adminVersion(),
                            reply.status());
                    return;
                }
                throw new ForwardException("GET " + api.adminVersion() + " answered HTTP " + reply.status()
                        + ": cannot tell the Prefect release; is --prefect-api-url Prefect's API URL "
                        + "(http://<host>:4200/api)? (--allow-native forwards without knowing it)");
            }
            PrefectVersion version = version(reply.body());
            if (!version.atLeast(PrefectVersion.EVENTS_API)) {
                throw new ForwardException("Prefect " + version + " at " + options.apiUrl() + " has no events API "
                        + "(POST /api/events, since " + PrefectVersion.EVENTS_API
                        + "): nothing can be forwarded to it");
            }
            if (version.atLeast(PrefectVersion.LIFECYCLE_EVENTS)) {
                if (!options.allowNative()) {
                    throw new ForwardException("Prefect " + version + " at " + options.apiUrl() + " emits lifecycle "
                            + "events itself (since " + PrefectVersion.LIFECYCLE_EVENTS + "): forwarded, each change "
                            + "would show twice, with different ids; give --allow-native to forward anyway");
                }
                LOG.warn(
                        "Prefect {} emits lifecycle events itself: each change shows twice, with different ids "
                                + "(--allow-native)",
                        version);
            } else {
                LOG.info("Prefect {} at {}: events API, no lifecycle events of its own", version, options.apiUrl());
            }
            return;
        }
    }

    private static PrefectVersion version(String body) {
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            return PrefectVersion.parse(node != null && node.isTextual() ? node.textValue() : body);
        } catch (IOException | IllegalArgumentException e) {
            throw new ForwardException(
                    "the Prefect server's release '" + body + "' (GET /api/admin/version) is not " + "a version");
        }
    }

    private ForwardException unauthorized(String call, PrefectApi.Reply reply) {
        return new ForwardException("the Prefect server at " + options.apiUrl() + " refused " + call + " with HTTP "
                + reply.status() + (reply.status() == 401 ? " Unauthorized" : " Forbidden") + " using "
                + options.auth().describe() + ": set " + PrefectAuth.API_AUTH_STRING + " to the server's "
                + PrefectAuth.SERVER_API_AUTH_STRING + ", or " + PrefectAuth.API_KEY + " for Prefect Cloud");
    }

    private void waitForServer(int attempts, String call, String why, Duration wait) throws InterruptedException {
        if (attempts == 1) {
            LOG.warn(
                    "the Prefect server at {} does not answer {} ({}): retrying, at most every {} s; events wait in "
                            + "the topic",
                    options.apiUrl(),
                    call,
                    why,
                    options.maxRetryInterval().toSeconds());
        } else {
            LOG.debug("{}: attempt {} failed ({}); next in {} ms", call, attempts, why, wait.toMillis());
        }
        state.set(RETRYING);
        metrics.serverUp(false);
        pausedWait(wait);
    }

    private static String describe(IOException e) {
        if (e instanceof HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    // --- the topic ----------------------------------------------------------------------------------------------

    private void forward() throws InterruptedException {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                        consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                KafkaProducer<byte[], byte[]> deadLetterProducer = new KafkaProducer<>(
                        producerProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            activeConsumer = consumer;
            onConsumer.accept(consumer);
            consumer.subscribe(List.of(options.topic()), new Rebalances(consumer));
            LOG.info(
                    "forwarding {} (group {}) to POST {} with {}",
                    options.topic(),
                    options.groupId(),
                    api.events(),
                    options.auth().describe());
            state.set(RUNNING);
            while (!stopRequested) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
                if (!records.isEmpty()) {
                    forward(consumer, deadLetterProducer, records);
                }
            }
        } catch (WakeupException e) {
            // stop(): nothing committed past what the server accepted
        } finally {
            activeConsumer = null;
        }
    }

    private Properties consumerProperties() {
        Properties props = new Properties();
        props.putAll(options.clients());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, options.groupId());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, options.fromBeginning() ? "earliest" : "latest");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(options.batchSize()));
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-forward");
        return props;
    }

    private Properties producerProperties() {
        Properties props = new Properties();
        props.putAll(options.clients());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "prefect-lifecycle-cdc-forward-dlq");
        return props;
    }

    /** One poll's records: dead letters written, events posted until accepted, then the offsets committed. */
    private void forward(
            KafkaConsumer<byte[], byte[]> consumer,
            KafkaProducer<byte[], byte[]> deadLetterProducer,
            ConsumerRecords<byte[], byte[]> records)
            throws InterruptedException {
        Map<TopicPartition, Long> first = new HashMap<>();
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        List<Pending> pending = new ArrayList<>();
        int skipped = 0;
        synchronized (revoked) {
            revoked.clear();
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            first.putIfAbsent(partition, record.offset());
            next.put(partition, new OffsetAndMetadata(record.offset() + 1));
            byte[] json = json(consumer, record);
            if (json == null) {
                abandon(consumer, first);
                return;
            }
            TailedEvent event;
            try {
                event = TailedEvent.parse(json);
            } catch (IllegalArgumentException e) {
                deadLetter(
                        deadLetterProducer,
                        record,
                        record.value(),
                        "not a Prefect event: " + e.getMessage(),
                        "NotAnEvent");
                continue;
            }
            if (!options.filter().includes(event)) {
                skipped++;
                continue;
            }
            long size = json.length + (long) RECEIVED_FIELD_BYTES;
            if (size > options.maxEventBytes()) {
                deadLetter(
                        deadLetterProducer,
                        record,
                        null,
                        String.format(
                                Locale.ROOT,
                                "the event is %,d bytes with "
                                        + "the received time the server adds, over the Prefect server's limit of %,d "
                                        + "(PREFECT_SERVER_EVENTS_MAXIMUM_SIZE_BYTES), which drops it; the value is left out here: "
                                        + "read it at dlq.source.topic/dlq.source.offset",
                                size,
                                options.maxEventBytes()),
                        "EventTooLarge");
                continue;
            }
            pending.add(new Pending(record, json, event));
        }
        for (List<Pending> chunk : chunks(pending)) {
            if (!send(consumer, deadLetterProducer, chunk)) {
                abandon(consumer, first);
                return;
            }
        }
        filtered += skipped;
        metrics.events(ForwardMetrics.Outcome.filtered, skipped);
        consumer.resume(consumer.paused());
        try {
            consumer.commitSync(next);
        } catch (KafkaException e) {
            // delivered already: a member that takes the partitions over sends them again, Prefect drops the copies
            LOG.warn(
                    "offsets not committed ({}): the events may be sent again, the server keeps each id once",
                    e.getMessage());
        }
    }

    private List<List<Pending>> chunks(List<Pending> pending) {
        List<List<Pending>> chunks = new ArrayList<>();
        List<Pending> chunk = new ArrayList<>();
        long bytes = 0;
        for (Pending p : pending) {
            if (!chunk.isEmpty() && (chunk.size() >= options.batchSize() || bytes + p.json().length > MAX_BODY_BYTES)) {
                chunks.add(chunk);
                chunk = new ArrayList<>();
                bytes = 0;
            }
            chunk.add(p);
            bytes += p.json().length + 1;
        }
        if (!chunk.isEmpty()) {
            chunks.add(chunk);
        }
        return chunks;
    }

    /**
     * Posts the events until the server accepts them; a batch it rejects (a 4xx other than 401, 403, 404) is split
     * until the rejected event is found and dead-lettered.
     *
     * @return false when the batch was abandoned: stopping, or its partitions went to another member
     */
    private boolean send(
            KafkaConsumer<byte[], byte[]> consumer,
            KafkaProducer<byte[], byte[]> deadLetterProducer,
            List<Pending> chunk)
            throws InterruptedException {
        Backoff backoff = new Backoff(FIRST_RETRY, options.maxRetryInterval());
        List<byte[]> bodies = chunk.stream().map(Pending::json).toList();
        int attempts = 0;
        long failingSince = 0;
        while (true) {
            if (stopRequested || revokedAny(chunk)) {
                return false;
            }
            attempts++;
            PrefectApi.Reply reply;
            String failure;
            try {
                reply = api.post(bodies);
                failure = reply.retriable() ? "HTTP " + reply.status() : null;
            } catch (IOException e) {
                reply = null;
                failure = describe(e);
            }
            if (failure != null) {
                metrics.request(reply == null ? ForwardMetrics.Result.unreachable : ForwardMetrics.Result.server_error);
                if (failingSince == 0) {
                    failingSince = System.nanoTime();
                }
                waitForServer(attempts, "POST " + api.events(), failure, backoff.next());
                continue;
            }
            if (failingSince != 0) {
                LOG.info(
                        "the Prefect server at {} answers again, after {} attempts in {} s",
                        options.apiUrl(),
                        attempts,
                        (System.nanoTime() - failingSince) / 1_000_000_000L);
            }
            state.set(RUNNING);
            if (reply.accepted()) {
                metrics.request(ForwardMetrics.Result.accepted);
                metrics.events(ForwardMetrics.Outcome.sent, chunk.size());
                chunk.forEach(p -> metrics.accepted(p.event().occurred()));
                sent += chunk.size();
                return true;
            }
            if (reply.unauthorized()) {
                throw unauthorized("POST " + api.events(), reply);
            }
            if (reply.status() == 404) {
                throw new ForwardException("POST " + api.events() + " answered HTTP 404: the server has no events API "
                        + "(Prefect " + PrefectVersion.EVENTS_API + " or later has one; is --prefect-api-url Prefect's "
                        + "API URL, http://<host>:4200/api?)");
            }
            metrics.request(ForwardMetrics.Result.rejected);
            if (chunk.size() == 1) {
                Pending p = chunk.get(0);
                deadLetter(
                        deadLetterProducer,
                        p.record(),
                        p.record().value(),
                        "the Prefect server rejected the event " + "with HTTP " + reply.status() + " at POST "
                                + api.events(),
                        "RejectedByPrefect");
                return true;
            }
            int half = chunk.size() / 2;
            return send(consumer, deadLetterProducer, chunk.subList(0, half))
                    && send(consumer, deadLetterProducer, chunk.subList(half, chunk.size()));
        }
    }

    /** The event's JSON: the stored bytes, or an Avro event read back; null when stopped while the registry is away. */
    private byte[] json(KafkaConsumer<byte[], byte[]> consumer, ConsumerRecord<byte[], byte[]> record)
            throws InterruptedException {
        if (!ConfluentWireFormat.startsWithMagic(record.value())) {
            return record.value();
        }
        AvroEventDecoder decoder =
                avroEvents.orElseThrow(() -> new ForwardException("an Avro event at " + coordinates(record)
                        + ": give --schema-registry-url (or PREFECT_CDC_SCHEMA_REGISTRY_URL) to read it"));
        Backoff backoff = new Backoff(FIRST_RETRY, options.maxRetryInterval());
        while (!stopRequested) {
            try {
                return decoder.decode(record.value()).toJsonBytes();
            } catch (IllegalArgumentException e) {
                // not an event record: dead-lettered by the caller as what TailedEvent cannot read
                return record.value();
            } catch (SchemaRegistryUnavailableException e) {
                LOG.warn("waiting for the schema registry: {}", e.getMessage());
                pausedWait(backoff.next());
            }
        }
        return null;
    }

    private void deadLetter(
            KafkaProducer<byte[], byte[]> producer,
            ConsumerRecord<byte[], byte[]> record,
            byte[] value,
            String reason,
            String exceptionClass) {
        InputRecord source = new InputRecord(record.topic(), record.partition(), record.offset(), null, null);
        try {
            write(producer, record.key(), value, OutputRecords.deadLetterHeaders(source, reason, exceptionClass));
        } catch (RecordTooLargeException e) {
            write(
                    producer,
                    record.key(),
                    null,
                    OutputRecords.deadLetterHeaders(
                            source,
                            reason + " (the value, too large for the dead-letter topic, is left out)",
                            exceptionClass));
        }
        LOG.warn("dead letter {}: {}", coordinates(record), reason);
        metrics.events(ForwardMetrics.Outcome.dead_letter, 1);
        deadLetters++;
    }

    private void write(KafkaProducer<byte[], byte[]> producer, byte[] key, byte[] value, Headers headers) {
        try {
            producer.send(new ProducerRecord<>(options.deadLetterTopic(), null, key, value, headers))
                    .get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException tooLarge) {
                throw tooLarge;
            }
            throw new ForwardException("cannot write to the dead-letter topic " + options.deadLetterTopic() + ": "
                    + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    private static String coordinates(ConsumerRecord<?, ?> record) {
        return record.topic() + "-" + record.partition() + "@" + record.offset();
    }

    // --- waiting without leaving the group ----------------------------------------------------------------------

    /**
     * Waits with every partition paused, polling meanwhile: the consumer stays in its group however long the server
     * is away ({@code max.poll.interval.ms}), and {@link #stop()} ends the wait at once. Records of partitions
     * assigned during the wait are put back.
     */
    private void pausedWait(Duration wait) throws InterruptedException {
        KafkaConsumer<byte[], byte[]> consumer = activeConsumer;
        if (consumer == null) {
            stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            return;
        }
        long until = System.nanoTime() + wait.toNanos();
        while (!stopRequested) {
            long left = until - System.nanoTime();
            if (left <= 0) {
                return;
            }
            consumer.pause(consumer.assignment());
            ConsumerRecords<byte[], byte[]> early = consumer.poll(Duration.ofNanos(Math.min(left, POLL.toNanos())));
            Map<TopicPartition, Long> firstOffsets = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : early) {
                firstOffsets.putIfAbsent(new TopicPartition(record.topic(), record.partition()), record.offset());
            }
            firstOffsets.forEach(consumer::seek);
        }
    }

    private boolean revokedAny(List<Pending> chunk) {
        synchronized (revoked) {
            return !revoked.isEmpty()
                    && chunk.stream()
                            .anyMatch(p -> revoked.contains(new TopicPartition(
                                    p.record().topic(), p.record().partition())));
        }
    }

    /** Nothing of the batch is committed: the partitions still here read it again from its first offset. */
    private void abandon(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> first) {
        Set<TopicPartition> assigned = consumer.assignment();
        first.forEach((partition, offset) -> {
            if (assigned.contains(partition)) {
                consumer.seek(partition, offset);
            }
        });
        consumer.resume(consumer.paused());
    }

    /**
     * Partitions taken away during a batch abandon it (their new owner sends it again). Partitions assigned without
     * a committed offset have their start committed at once, so that it holds across restarts.
     */
    private final class Rebalances implements ConsumerRebalanceListener {

        private final KafkaConsumer<byte[], byte[]> consumer;

        Rebalances(KafkaConsumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            synchronized (revoked) {
                revoked.addAll(partitions);
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            onPartitionsRevoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new HashSet<>(partitions));
            Map<TopicPartition, OffsetAndMetadata> starts = new HashMap<>();
            for (TopicPartition partition : partitions) {
                if (committed.get(partition) == null) {
                    starts.put(partition, new OffsetAndMetadata(consumer.position(partition)));
                }
            }
            if (!starts.isEmpty()) {
                consumer.commitSync(starts);
                LOG.info(
                        "group {} starts {} at {}",
                        options.groupId(),
                        options.topic(),
                        starts.entrySet().stream()
                                .map(e -> e.getKey().partition() + ":"
                                        + e.getValue().offset())
                                .sorted()
                                .toList());
            }
        }
    }
}
