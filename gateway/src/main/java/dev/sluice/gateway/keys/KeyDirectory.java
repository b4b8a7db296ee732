package dev.sluice.gateway.keys;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import dev.sluice.gateway.TopicTail;
import dev.sluice.schema.ApiKey;
import dev.sluice.contracts.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Every API key, by hash, as the compacted {@code llm.api-keys} says: read from the beginning at start, then
 * tailed, so a key created or revoked anywhere is honoured here as soon as its record is read (well under a
 * second on a healthy cluster). Holds hashes only; the key a client sends is hashed and looked up.
 */
public final class KeyDirectory implements AutoCloseable {
    private final Map<String, ApiKey> byHash = new ConcurrentHashMap<>();
    private final Topic<String, ApiKey> topic;
    private final Clock clock;
    private final TopicTail tail;

    public KeyDirectory(Map<String, Object> kafka, Topic<String, ApiKey> topic, Clock clock, String clientId) {
        this.topic = topic;
        this.clock = clock;
        this.tail = new TopicTail(clientId, kafka, List.of(topic.name()),
                c -> c.beginningOffsets(c.assignment()).entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry<TopicPartition, Long>::getKey, Map.Entry::getValue)),
                this::apply);
    }

    public KeyDirectory start() {
        tail.start();
        return this;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String hash = topic.keySerde().deserializer().deserialize(record.topic(), record.key());
        if (record.value() == null) {
            byHash.remove(hash);
            return;
        }
        byHash.put(hash, topic.valueSerde().deserializer().deserialize(record.topic(), record.headers(), record.value()));
    }

    /** Who {@code presentedKey} belongs to, or why it is refused. {@code null} or blank is {@code MISSING}. */
    public KeyCheck.Result authenticate(String presentedKey) {
        if (presentedKey == null || presentedKey.isBlank()) {
            return new KeyCheck.Result(java.util.Optional.empty(), KeyCheck.Refusal.MISSING);
        }
        return KeyCheck.check(byHash.get(ApiKeys.hash(presentedKey.trim())), clock.instant());
    }

    /** True once every key that existed at start is known. */
    public boolean ready() {
        return tail.caughtUp() && tail.alive();
    }

    public TopicTail tail() {
        return tail;
    }

    @Override
    public void close() {
        tail.close();
    }
}
