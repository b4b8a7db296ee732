package dev.sluice.launcher.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * P2's baselines as their own process: the seed's limiter design, a consumer that asks Redis per request (sliding
 * window on a sorted set: {@code MULTI ZREMRANGEBYSCORE ZADD ZCARD PEXPIRE EXEC}) and forwards the request to an
 * outcome topic (idempotent producer, offsets committed after each poll: at-least-once, as the seed was). Mode
 * {@code sync}: one transaction in flight (P2); {@code pipelined}: every transaction of a poll pipelined on the
 * connection, then awaited (P2b). The record's bytes are forwarded as they are (no Avro decoding: the baseline's
 * work is the Redis round trip). Usage: {@code RedisLimiterProcess <sync|pipelined> <bootstrap> <redis uri> <group>
 * <in> <out>}.
 */
public final class RedisLimiterProcess {
    private static final long WINDOW_MS = 60_000;
    private static final long LIMIT = 1_000;

    private RedisLimiterProcess() {}

    public static void main(String[] args) throws Exception {
        boolean pipelined = args[0].equals("pipelined");
        String in = args[4];
        String out = args[5];
        RedisClient client = RedisClient.create(args[2]);
        try (StatefulRedisConnection<String, String> connection = client.connect();
             KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1],
                     ConsumerConfig.GROUP_ID_CONFIG, args[3], ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                     ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(), new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]),
                     new StringSerializer(), new ByteArraySerializer())) {
            consumer.subscribe(List.of(in));
            RedisCommands<String, String> sync = connection.sync();
            RedisAsyncCommands<String, String> async = connection.async();
            while (true) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(100));
                if (records.isEmpty()) {
                    continue;
                }
                if (pipelined) {
                    List<RedisFuture<TransactionResult>> results = new ArrayList<>(records.count());
                    connection.setAutoFlushCommands(false);
                    for (ConsumerRecord<String, byte[]> r : records) {
                        String key = "rl:" + r.key();
                        async.multi();
                        async.zremrangebyscore(key, Range.create(0, r.timestamp() - WINDOW_MS));
                        async.zadd(key, r.timestamp(), r.topic() + r.partition() + ":" + r.offset());
                        async.zcard(key);
                        async.pexpire(key, WINDOW_MS);
                        results.add(async.exec());
                    }
                    connection.flushCommands();
                    connection.setAutoFlushCommands(true);
                    int i = 0;
                    for (ConsumerRecord<String, byte[]> r : records) {
                        TransactionResult tx = results.get(i++).get(30, TimeUnit.SECONDS);
                        forward(producer, out, r, tx.<Long>get(2) <= LIMIT);
                    }
                } else {
                    for (ConsumerRecord<String, byte[]> r : records) {
                        String key = "rl:" + r.key();
                        sync.multi();
                        sync.zremrangebyscore(key, Range.create(0, r.timestamp() - WINDOW_MS));
                        sync.zadd(key, r.timestamp(), r.topic() + r.partition() + ":" + r.offset());
                        sync.zcard(key);
                        sync.pexpire(key, WINDOW_MS);
                        TransactionResult tx = sync.exec();
                        forward(producer, out, r, tx.<Long>get(2) <= LIMIT);
                    }
                }
                producer.flush();
                consumer.commitSync();
            }
        } finally {
            client.shutdown();
        }
    }

    private static void forward(KafkaProducer<String, byte[]> producer, String out, ConsumerRecord<String, byte[]> r, boolean admitted) {
        if (!admitted) {
            throw new IllegalStateException("the baseline's limit is above the benchmark's volume; nothing should be limited");
        }
        producer.send(new ProducerRecord<>(out, r.key(), r.value()));
    }
}
