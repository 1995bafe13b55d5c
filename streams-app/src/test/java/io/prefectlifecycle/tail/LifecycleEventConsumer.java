package io.prefectlifecycle.tail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

/** Prints every Prefect lifecycle event once: java LifecycleEventConsumer localhost:9092 */
public final class LifecycleEventConsumer {

    static final String TOPIC = "prefect.lifecycle-events";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(properties(args[0], "my-service"));
        Runtime.getRuntime().addShutdownHook(new Thread(consumer::wakeup)); // Ctrl-C: leave poll() cleanly
        consume(
                consumer,
                event -> System.out.println(event.get("occurred").asText() + " "
                        + event.get("event").asText() + " "
                        + event.get("resource").get("prefect.resource.id").asText()));
    }

    public static Properties properties(String bootstrapServers, String groupId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // only committed transactions
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"); // commit after handling
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return props;
    }

    /** Hands each event to {@code handler} once (by id, among the last 100,000), until {@code wakeup()}. */
    public static void consume(KafkaConsumer<String, String> consumer, Consumer<JsonNode> handler) {
        Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > 100_000;
            }
        };
        try (consumer) {
            consumer.subscribe(List.of(TOPIC));
            while (true) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    JsonNode event;
                    try {
                        event = JSON.readTree(record.value());
                    } catch (JsonProcessingException e) {
                        System.err.println("not an event at offset " + record.offset() + ": skipped");
                        continue;
                    }
                    // a replay writes events again with the same id: handle each id once
                    if (seen.put(event.get("id").asText(), Boolean.TRUE) == null) {
                        handler.accept(event);
                    }
                }
                consumer.commitSync();
            }
        } catch (WakeupException stopping) {
            // wakeup() was called; events handled since the last commit come again at the next start, same ids
        }
    }
}
