package io.prefectlifecycle.it;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Searches bytes the suite produced (topics, logs, a metrics scrape) for secrets: block-document plaintext secrets
 * (UTF-8) and Fernet keys in every form they could take (URL-safe and standard base64, with and without padding, hex,
 * the raw 32 bytes and each raw 16-byte half). A hit names the needle by its kind and number and the place, never
 * its value, so the report itself leaks nothing. Needles shorter than 6 bytes are refused: they occur by chance in
 * base64 ciphertext. Reusable: {@code SecretScan.of(secrets, keys).topic(...).file(...).assertClean()}.
 */
public final class SecretScan {

    private static final int MIN_NEEDLE = 6;

    /** Where a needle was found: the place (topic@offset part, file:line), the needle's name, the byte position. */
    public record Hit(String where, String needle, long at) {
        @Override
        public String toString() {
            return needle + " in " + where + " at byte " + at;
        }
    }

    private record Needle(String name, byte[] bytes) {}

    private final List<Needle> needles = new ArrayList<>();
    private final List<Hit> hits = new ArrayList<>();
    private final Map<String, Long> scanned = new LinkedHashMap<>();

    private SecretScan() {}

    /**
     * @param secrets    plaintext secret values (each at least 6 characters)
     * @param fernetKeys Fernet keys as configured (URL-safe base64 of 32 bytes)
     */
    public static SecretScan of(Collection<String> secrets, Collection<String> fernetKeys) {
        SecretScan scan = new SecretScan();
        int n = 0;
        for (String secret : secrets) {
            scan.add("secret #" + ++n, secret.getBytes(StandardCharsets.UTF_8));
        }
        n = 0;
        for (String key : fernetKeys) {
            String name = "Fernet key #" + ++n;
            byte[] raw = Base64.getUrlDecoder().decode(key);
            String url = Base64.getUrlEncoder().encodeToString(raw);
            String standard = Base64.getEncoder().encodeToString(raw);
            for (String form : List.of(url, url.replace("=", ""), standard, standard.replace("=", ""))) {
                scan.add(name + " (base64)", form.getBytes(StandardCharsets.US_ASCII));
            }
            scan.add(name + " (hex)", HexFormat.of().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
            scan.add(
                    name + " (HEX)",
                    HexFormat.of().withUpperCase().formatHex(raw).getBytes(StandardCharsets.US_ASCII));
            scan.add(name + " (raw bytes)", raw);
            scan.add(name + " (raw signing half)", java.util.Arrays.copyOfRange(raw, 0, 16));
            scan.add(name + " (raw encryption half)", java.util.Arrays.copyOfRange(raw, 16, 32));
        }
        return scan;
    }

    private void add(String name, byte[] bytes) {
        if (bytes.length < MIN_NEEDLE) {
            throw new IllegalArgumentException(
                    name + " is shorter than " + MIN_NEEDLE + " bytes: too likely by chance");
        }
        if (needles.stream().noneMatch(n -> java.util.Arrays.equals(n.bytes(), bytes))) {
            needles.add(new Needle(name, bytes));
        }
    }

    /** Scans {@code data}, counted under {@code kind} (e.g. "topic x", "log"). */
    public SecretScan bytes(String kind, String where, byte[] data) {
        if (data == null) {
            return this;
        }
        scanned.merge(kind, (long) data.length, Long::sum);
        for (Needle needle : needles) {
            int at = indexOf(data, needle.bytes(), 0);
            if (at >= 0) {
                hits.add(new Hit(where, needle.name(), at));
            }
        }
        return this;
    }

    public SecretScan text(String kind, String where, String text) {
        return bytes(kind, where, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole file (a log), reported by line. */
    public SecretScan file(String kind, Path file) throws IOException {
        byte[] data = Files.readAllBytes(file);
        int hitsBefore = hits.size();
        bytes(kind, file.getFileName().toString(), data);
        for (int i = hitsBefore; i < hits.size(); i++) {
            Hit hit = hits.get(i);
            long line = 1
                    + new String(data, 0, (int) hit.at(), StandardCharsets.ISO_8859_1)
                            .chars()
                            .filter(c -> c == '\n')
                            .count();
            hits.set(i, new Hit(hit.where() + ":" + line, hit.needle(), hit.at()));
        }
        return this;
    }

    /** Every record of every partition of {@code topic}, aborted ones too (read_uncommitted): key, value, headers. */
    public SecretScan topic(String bootstrapServers, String topic) {
        return topic(bootstrapServers, topic, r -> true);
    }

    /** As {@link #topic(String, String)}, only the records {@code include} accepts (the others are not counted). */
    public SecretScan topic(String bootstrapServers, String topic, Predicate<ConsumerRecord<byte[], byte[]>> include) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_uncommitted",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
                16 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            String kind = "topic " + topic;
            scanned.putIfAbsent(kind, 0L);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + ends);
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!include.test(record)) {
                        continue;
                    }
                    String where = record.topic() + "-" + record.partition() + "@" + record.offset();
                    bytes(kind, where + " key", record.key());
                    bytes(kind, where + " value", record.value());
                    for (Header header : record.headers()) {
                        bytes(kind, where + " header " + header.key(), header.value());
                    }
                }
            }
        }
        return this;
    }

    public List<Hit> hits() {
        return List.copyOf(hits);
    }

    /** Bytes scanned per kind of place. */
    public Map<String, Long> scanned() {
        return Map.copyOf(scanned);
    }

    public long bytesScanned() {
        return scanned.values().stream().mapToLong(Long::longValue).sum();
    }

    public int needleCount() {
        return needles.size();
    }

    public void assertClean() {
        if (!hits.isEmpty()) {
            fail(hits.size() + " secret(s) found, the first 20: " + hits.subList(0, Math.min(20, hits.size())));
        }
    }

    private static int indexOf(byte[] data, byte[] needle, int from) {
        byte first = needle[0];
        int last = data.length - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            if (data[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
