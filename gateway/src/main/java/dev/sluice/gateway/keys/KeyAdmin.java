package dev.sluice.gateway.keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

import dev.sluice.schema.ApiKey;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.Topic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What {@code sluice keys create|list|revoke} does: writes key records (hash only) to {@code llm.api-keys} and,
 * when a tier or budget is given, the user's policy to {@code llm.user-policies}, which admission already reads.
 */
public final class KeyAdmin {
    /** The userId pattern admission enforces; checked here so a key can never name a user admission would refuse. */
    public static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");

    private final Map<String, Object> kafka;
    private final Topic<String, ApiKey> keys;
    private final Topic<String, UserPolicy> policies;
    private final Clock clock;

    public KeyAdmin(Map<String, Object> kafka, Topic<String, ApiKey> keys, Topic<String, UserPolicy> policies, Clock clock) {
        this.kafka = Map.copyOf(kafka);
        this.keys = keys;
        this.policies = policies;
        this.clock = clock;
    }

    /** A created key: the secret (shown once) and its stored record. */
    public record Created(String secret, ApiKey record) {}

    /**
     * Creates a key for {@code userId}. A non-empty {@code tier} or {@code dailyBudgetMicros} also publishes the
     * user's policy (replacing any earlier one: policies are per user, not per key).
     */
    public Created create(String userId, Optional<String> tier, Optional<Long> dailyBudgetMicros, Optional<Duration> expiresIn,
                          Optional<String> label) {
        if (!USER_ID.matcher(userId).matches()) {
            throw new IllegalArgumentException("--user must match " + USER_ID.pattern() + ", got '" + userId + "'");
        }
        Instant now = clock.instant();
        String secret = ApiKeys.generate();
        String hash = ApiKeys.hash(secret);
        ApiKey record = ApiKey.newBuilder().setKeyHash(hash).setKeyId(ApiKeys.keyId(hash)).setUserId(userId)
                .setLabel(label.orElse(null)).setCreatedAt(now).setExpiresAt(expiresIn.map(now::plus).orElse(null))
                .setRevokedAt(null).build();
        try (KafkaProducer<String, Object> producer = producer()) {
            if (tier.isPresent() || dailyBudgetMicros.isPresent()) {
                UserPolicy policy = UserPolicy.newBuilder().setUserId(userId).setTier(tier.orElse("FREE"))
                        .setDailyBudgetMicros(dailyBudgetMicros.orElse(null)).setUpdatedAt(now).build();
                send(producer, new ProducerRecord<>(policies.name(), userId, policy));
            }
            send(producer, new ProducerRecord<>(keys.name(), hash, record));
        }
        return new Created(secret, record);
    }

    /** Every key record, newest first. */
    public List<ApiKey> list() {
        Map<String, ApiKey> latest = new LinkedHashMap<>();
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        try (KafkaConsumer<String, ApiKey> consumer = new KafkaConsumer<>(props, keys.keySerde().deserializer(), keys.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(keys.name(), Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + keys.name() + " to its end within 30 s");
                }
                for (ConsumerRecord<String, ApiKey> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
            }
        }
        List<ApiKey> out = new ArrayList<>(latest.values());
        out.sort(Comparator.comparing(ApiKey::getCreatedAt).reversed());
        return out;
    }

    /** Revokes the key whose id (or a unique prefix of its id, at least 6 characters) is {@code keyId}. */
    public ApiKey revoke(String keyId) {
        if (keyId.length() < 6) {
            throw new IllegalArgumentException("give at least 6 characters of the key id, got '" + keyId + "'");
        }
        List<ApiKey> matching = list().stream().filter(k -> k.getKeyId().startsWith(keyId)).toList();
        if (matching.size() != 1) {
            throw new IllegalArgumentException(matching.isEmpty() ? "no key has id " + keyId
                    : "key id " + keyId + " is ambiguous: " + matching.stream().map(ApiKey::getKeyId).toList());
        }
        ApiKey revoked = ApiKey.newBuilder(matching.get(0)).setRevokedAt(clock.instant()).build();
        try (KafkaProducer<String, Object> producer = producer()) {
            send(producer, new ProducerRecord<>(keys.name(), revoked.getKeyHash(), revoked));
        }
        return revoked;
    }

    private KafkaProducer<String, Object> producer() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // One producer writes both topics; each record is serialised by its own topic's serde.
        org.apache.kafka.common.serialization.Serializer<Object> value = (topic, data) -> data instanceof ApiKey k
                ? keys.valueSerde().serializer().serialize(topic, k)
                : policies.valueSerde().serializer().serialize(topic, (UserPolicy) data);
        return new KafkaProducer<>(props, keys.keySerde().serializer(), value);
    }

    private static void send(KafkaProducer<String, Object> producer, ProducerRecord<String, Object> record) {
        try {
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted writing to " + record.topic(), e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("could not write to " + record.topic() + ": " + cause.getMessage(), cause);
        }
    }
}
