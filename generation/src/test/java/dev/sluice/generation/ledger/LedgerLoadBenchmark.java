package dev.sluice.generation.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How fast generation reads its ledger when partitions are assigned: {@code -Dbench.ledger.records} (3,000,000) answered
 * requests over 6 partitions, read by {@link LedgerLoader} in the stage's slices, against a bare {@code read_committed}
 * read of the same partitions in the same run. Prints both rates, their ratio, the heap the indexes hold per record,
 * and how many records the former
 * one-call load could read within its 60 s timeout at this rate. Asserts nothing.
 * Run: {@code ./mvnw -Pbench -o -pl generation verify -Dit.test=LedgerLoadBenchmark -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false}.
 */
@ExtendWith(SluiceInfra.class)
class LedgerLoadBenchmark {
    private static final int RECORDS = Integer.getInteger("bench.ledger.records", 3_000_000);
    private static final int PARTITIONS = 6;
    private static final int ROUNDS = 3;

    @Test
    void benchmark(KafkaBroker kafka) throws Exception {
        String topic = SluiceInfra.uniquePrefix("ledger-bench") + "llm.generation.ledger";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        long t0 = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                String user = "tenant-" + (i % 10_000);
                byte[] key = (user.length() + ":" + user + ":" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, i % PARTITIONS, key, new byte[] {1}));
            }
        }
        System.out.printf("ledger: %,d records over %d partitions written in %.1f s%n", RECORDS, PARTITIONS, (System.nanoTime() - t0) / 1e9);
        List<Integer> partitions = IntStream.range(0, PARTITIONS).boxed().toList();
        double bestBare = 0;
        double bestLoad = 0;
        for (int round = 0; round < ROUNDS; round++) {
            double bare = bareRead(kafka, topic, partitions);
            Load loaded = sliced(kafka, topic, partitions);
            double load = loaded.recordsPerSecond();
            System.out.printf("round %d: bare read %,.0f records/s, ledger load %,.0f records/s (%.2f); index %.1f bytes of heap per record%n",
                    round, bare, load, load / bare, loaded.bytesPerRecord());
            bestBare = Math.max(bestBare, bare);
            bestLoad = Math.max(bestLoad, load);
        }
        System.out.printf("%n=== LedgerLoadBenchmark: %,d records, %d partitions ===%n", RECORDS, PARTITIONS);
        System.out.printf("bare read_committed read  %,12.0f records/s (best of %d)%n", bestBare, ROUNDS);
        System.out.printf("ledger load (slices)      %,12.0f records/s (best of %d): %.2f of the bare read%n", bestLoad, ROUNDS, bestLoad / bestBare);
        System.out.printf("within the former 60 s timeout at this rate: %,.0f records (at 100 requests/s, %.1f days of answers)%n",
                bestLoad * 60, bestLoad * 60 / 100 / 86_400);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaBroker kafka) {
        return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** A load's rate, and the heap its indexes hold per record loaded (16 bytes a slot). */
    private record Load(double recordsPerSecond, double bytesPerRecord) {
    }

    /** The generation stage's way: slices of {@link Ledger#LOAD_SLICE} until every partition is read to its end. */
    private static Load sliced(KafkaBroker kafka, String topic, List<Integer> partitions) {
        long t0 = System.nanoTime();
        long answered = 0;
        long slots = 0;
        int left = partitions.size();
        try (LedgerLoader loader = new LedgerLoader(consumer(kafka), topic, Duration.ofSeconds(60))) {
            while (left > 0) {
                Map<Integer, LedgerIndex> done = loader.load(partitions, Ledger.LOAD_SLICE);
                for (LedgerIndex index : done.values()) {
                    answered += index.size();
                    slots += index.capacity();
                }
                left -= done.size();
                partitions = partitions.stream().filter(p -> !done.containsKey(p)).toList();
            }
        }
        if (answered != RECORDS) {
            throw new IllegalStateException("loaded " + answered + " of " + RECORDS);
        }
        return new Load(RECORDS / ((System.nanoTime() - t0) / 1e9), 16.0 * slots / RECORDS);
    }

    /** Every record of the partitions, read and counted, nothing else. */
    private static double bareRead(KafkaBroker kafka, String topic, List<Integer> partitions) {
        long t0 = System.nanoTime();
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
            List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(topic, p)).toList();
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (read < RECORDS) {
                read += consumer.poll(Duration.ofMillis(100)).count();
            }
        }
        return read / ((System.nanoTime() - t0) / 1e9);
    }
}
