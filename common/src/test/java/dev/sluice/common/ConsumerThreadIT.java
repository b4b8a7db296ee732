package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The one consumer-thread skeleton's lifecycle, against a real broker: what a failing record, a failing loop and close do. */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class ConsumerThreadIT {
    /** Reads partition 0 of a topic from the beginning and hands every record to a handler; can be told to break. */
    static final class Reader extends ConsumerThread {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final AtomicBoolean breakLoop = new AtomicBoolean();
        final AtomicBoolean released = new AtomicBoolean();

        Reader(KafkaBroker kafka, String topic) {
            super("test-reader-" + topic, readCommittedWithoutGroup(
                    Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), "test-reader"));
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            startThread();
        }

        @Override
        protected void pollOnce() {
            if (breakLoop.get()) {
                throw new IllegalStateException("the loop broke");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                deliver(r, rec -> {
                    String value = new String(rec.value(), StandardCharsets.UTF_8);
                    if (value.startsWith("bad")) {
                        throw new IllegalArgumentException("cannot read " + value);
                    }
                    seen.add(value);
                });
            }
        }

        @Override
        protected void released() {
            released.set(true);
        }
    }

    private static void produce(KafkaBroker kafka, String topic, String... values) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (String v : values) {
                p.send(new ProducerRecord<>(topic, 0, "k", v)).get();
            }
        }
    }

    @Test
    void shouldSkipARecordItsHandlerCannotReadAndDeliverEveryRecordBehindIt(KafkaBroker kafka) throws Exception {
        String topic = SluiceInfra.uniquePrefix("ct") + "skip";
        kafka.createTopics(1, topic);
        produce(kafka, topic, "one", "bad-two", "three", "bad-four", "five");
        try (Reader reader = new Reader(kafka, topic)) {
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> reader.seen.size() == 3);
            assertThat(reader.seen).containsExactly("one", "three", "five");
            assertThat(reader.alive()).isTrue();
        }
    }

    @Test
    void shouldEndNotAliveAndReleaseItsClientsWhenTheLoopFails(KafkaBroker kafka) throws Exception {
        String topic = SluiceInfra.uniquePrefix("ct") + "fail";
        kafka.createTopics(1, topic);
        try (Reader reader = new Reader(kafka, topic)) {
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(reader::alive);
            reader.breakLoop.set(true);
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> !reader.alive() && reader.released.get());
        }
    }

    @Test
    void shouldStopAPollInProgressAndCloseWithinTheJoinBoundOnClose(KafkaBroker kafka) throws Exception {
        String topic = SluiceInfra.uniquePrefix("ct") + "close";
        kafka.createTopics(1, topic);
        Reader reader = new Reader(kafka, topic);
        Awaitility.await().atMost(30, TimeUnit.SECONDS).until(reader::alive);
        reader.close();
        assertThat(reader.alive()).isFalse();
        assertThat(reader.released).isTrue();
        assertThat(reader.closing()).isTrue();
    }
}
