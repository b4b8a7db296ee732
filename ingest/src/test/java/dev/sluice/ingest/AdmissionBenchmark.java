package dev.sluice.ingest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.ingest.admission.AdmissionTopology;
import dev.sluice.schema.LlmRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission throughput on a real broker (6 partitions, many users) against two baselines measured in the same
 * run on the same records: a plain exactly_once_v2 Kafka Streams passthrough (P1) and a Redis sorted-set
 * sliding-window limiter called per request (P2); plus the state kept per active user. Prints, asserts nothing.
 * Run: {@code ./mvnw -Pbench -o -pl ingest verify}.
 */
@ExtendWith(SluiceInfra.class)
class AdmissionBenchmark {
    private static final int USERS = 30_000;
    private static final int PER_USER = 10; // FREE defaults: 10/min and 10/day, so every request is admitted
    private static final int RECORDS = USERS * PER_USER;
    private static final int WARMUP_USERS = 10_000;
    private static final int ROUNDS = 2;

    @Test
    void benchmark(KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        // Warm-up: both apps run once on their own topics first, so neither measured run pays for JIT compilation.
        IngestCluster warmup = new IngestCluster(kafka, registry, "bench-warmup", Map.of());
        produce(warmup, WARMUP_USERS);
        passthrough(warmup, WARMUP_USERS * PER_USER);
        admission(warmup, WARMUP_USERS * PER_USER);

        // The machine is shared and noisy: alternate the two apps, each on fresh topics, and keep the best run of each.
        double passthrough = 0;
        double floor = 0;
        double[] admission = {0};
        List<String[]> records = List.of();
        List<String> runs = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            IngestCluster cluster = new IngestCluster(kafka, registry, "bench", Map.of());
            records = produce(cluster, USERS); // {userId, requestId, timestampMillis}
            double p = passthrough(cluster, RECORDS);
            double f = StateFloor.run(cluster, RECORDS);
            double[] a = admission(cluster, RECORDS); // {rec/s, user-state bytes, users, all-store bytes}
            runs.add(String.format("%,.0f / %,.0f / %,.0f", p, f, a[0]));
            passthrough = Math.max(passthrough, p);
            floor = Math.max(floor, f);
            admission = a[0] > admission[0] ? a : admission;
        }
        double redisSync = redisSync(redis, records);
        double redisAsync = redisAsync(redis, records, 64);

        System.out.printf("%n=== AdmissionBenchmark: %,d requests, %,d users, 6 partitions, 1 stream thread, EOS v2, warmed up ===%n",
                RECORDS, USERS);
        System.out.printf("runs (passthrough / state floor / admission rec/s) %s; best of each below%n", String.join(", ", runs));
        System.out.printf("passthrough (EOS v2, bytes)          %,10.0f rec/s%n", passthrough);
        System.out.printf("state floor (passthrough + admission's store reads/writes, no checks) %,10.0f rec/s = %.2f of passthrough%n",
                floor, floor / passthrough);
        System.out.printf("admission (all checks, EOS v2)       %,10.0f rec/s%n", admission[0]);
        System.out.printf("redis limiter, 1 request in flight   %,10.0f rec/s%n", redisSync);
        System.out.printf("redis limiter, 64 requests in flight %,10.0f rec/s%n", redisAsync);
        System.out.printf("P1 admission / passthrough           %10.2f  (goal >= 0.6)%n", admission[0] / passthrough);
        System.out.printf("P2 admission / redis (1 in flight)   %10.2f  (goal >= 5)%n", admission[0] / redisSync);
        System.out.printf("   admission / redis (64 in flight)  %10.2f%n", admission[0] / redisAsync);
        System.out.printf("state bytes per active user          %10.1f  (goal <= 256; key + value of %s, %,.0f users)%n",
                admission[1] / admission[2], AdmissionTopology.USER_STATE_STORE, admission[2]);
        System.out.printf("   all admission stores per user     %10.1f  (incl. one admission-requests entry per admitted request)%n",
                admission[3] / admission[2]);
    }

    /** Admission over the cluster's requests: {rec/s, user-state bytes, users, bytes of all local stores}. */
    private static double[] admission(IngestCluster cluster, int records) {
        try (cluster) {
            IngestStage stage = cluster.startInstance();
            long t0 = awaitRunning(stage.streams());
            long t1 = awaitCount(cluster.kafka, List.of(cluster.topics.admitted().name(), cluster.topics.rejected().name()), records);
            long[] state = storeBytes(stage.streams(), AdmissionTopology.USER_STATE_STORE);
            long all = state[0] + storeBytes(stage.streams(), AdmissionTopology.REQUESTS_STORE)[0];
            return new double[] {records * 1000.0 / (t1 - t0), state[0], state[1], all};
        }
    }

    static List<String[]> produce(IngestCluster cluster, int users) throws Exception {
        List<String[]> records = new ArrayList<>(users * PER_USER);
        var serializer = cluster.topics.requests().valueSerde().serializer();
        String topic = cluster.topics.requests().name();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.BATCH_SIZE_CONFIG, 65_536),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int round = 0; round < PER_USER; round++) {
                for (int u = 0; u < users; u++) {
                    String user = "user-" + u;
                    LlmRequest request = AdmissionDriver.request(user).setCreatedAt(Instant.now()).build();
                    long ts = System.currentTimeMillis();
                    producer.send(new ProducerRecord<>(topic, null, ts, user, serializer.serialize(topic, request)));
                    records.add(new String[] {user, request.getRequestId(), Long.toString(ts)});
                }
            }
            producer.flush();
        }
        return records;
    }

    /** The same records through a plain EOS v2 passthrough with the same commit interval and client defaults. */
    private static double passthrough(IngestCluster cluster, int records) throws Exception {
        String out = cluster.prefix + "passthrough-out";
        try (Admin admin = cluster.kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(out, 6, (short) 1))).all().get();
        }
        Topology topology = new Topology();
        topology.addSource("source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), cluster.topics.requests().name());
        topology.addSink("sink", out, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "source");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, cluster.prefix + "passthrough");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATE_DIR_CONFIG, SluiceInfra.workDir("state").resolve(cluster.prefix + "passthrough").toString());
        try (KafkaStreams streams = new KafkaStreams(topology, p)) {
            streams.start();
            long t0 = awaitRunning(streams);
            long t1 = awaitCount(cluster.kafka, List.of(out), records);
            return records * 1000.0 / (t1 - t0);
        }
    }

    static long awaitRunning(KafkaStreams streams) {
        Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20))
                .until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return System.currentTimeMillis();
    }

    /** Waits until {@code expected} committed records are on {@code topics}; returns when the last one was seen. */
    static long awaitCount(KafkaBroker kafka, List<String> topics, int expected) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ConsumerConfig.GROUP_ID_CONFIG, "bench-counter-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(topics);
            long seen = 0;
            long deadline = System.currentTimeMillis() + 600_000;
            while (seen < expected && System.currentTimeMillis() < deadline) {
                seen += consumer.poll(Duration.ofMillis(50)).count();
            }
            if (seen < expected) {
                throw new IllegalStateException("only " + seen + " of " + expected + " records arrived on " + topics);
            }
            return System.currentTimeMillis();
        }
    }

    /** {key + value bytes, entries} of a key-value store. */
    private static long[] storeBytes(KafkaStreams streams, String name) {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                name, QueryableStoreTypes.<String, byte[]>keyValueStore()));
        long bytes = 0;
        long users = 0;
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> kv = it.next();
                bytes += kv.key.getBytes(StandardCharsets.UTF_8).length + kv.value.length;
                users++;
            }
        }
        return new long[] {bytes, users};
    }

    /** The per-request limiter of Redis-backed gateways: ZREMRANGEBYSCORE + ZADD + ZCARD on the user's sorted set. */
    private static double redisSync(RedisServer redis, List<String[]> records) {
        redis.flushAll();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisCommands<String, String> r = connection.sync();
            long admitted = 0;
            long t0 = System.nanoTime();
            for (String[] rec : records) {
                String key = "rl:" + rec[0];
                long ts = Long.parseLong(rec[2]);
                r.zremrangebyscore(key, Range.create(0, ts - 60_000));
                r.zadd(key, ts, rec[1]);
                if (r.zcard(key) <= 10) {
                    admitted++;
                }
            }
            double rate = records.size() * 1e9 / (System.nanoTime() - t0);
            if (admitted != records.size()) {
                throw new IllegalStateException("redis limiter admitted " + admitted);
            }
            return rate;
        } finally {
            client.shutdown();
        }
    }

    /** The same limiter with {@code inFlight} concurrent requests pipelined on one connection. */
    private static double redisAsync(RedisServer redis, List<String[]> records, int inFlight) throws Exception {
        redis.flushAll();
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> r = connection.async();
            Semaphore permits = new Semaphore(inFlight);
            long t0 = System.nanoTime();
            for (String[] rec : records) {
                permits.acquire();
                String key = "rl:" + rec[0];
                long ts = Long.parseLong(rec[2]);
                r.zremrangebyscore(key, Range.create(0, ts - 60_000));
                r.zadd(key, ts, rec[1]);
                r.zcard(key).whenComplete((card, e) -> permits.release());
            }
            permits.acquire(inFlight);
            return records.size() * 1e9 / (System.nanoTime() - t0);
        } finally {
            client.shutdown();
        }
    }
}
