package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicNames;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;

/** A prefix of real topics on the test broker, a way to write dead letters into its DLQ, and the dlq command. */
final class DlqFixture {
    /**
     * The tests' "now": the real time (to the second), since letters carry their failure time as record timestamp
     * and a fixed date in the past would put them beyond the DLQ's retention, where the broker may delete them
     * in the middle of a test (it did, in CI).
     */
    static final Instant NOW = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    final KafkaBroker kafka;
    final String prefix;
    final SluiceConfig config;

    DlqFixture(KafkaBroker kafka, String name) {
        this.kafka = kafka;
        this.prefix = SluiceInfra.uniquePrefix(name);
        this.config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "topic.prefix", prefix,
                "topic.partitions", "3"));
        kafka.createTopics(3, topic(TopicNames.DLQ), topic(TopicNames.REQUESTS), topic(TopicNames.ADMITTED), topic(TopicNames.ENRICHED));
    }

    String topic(String name) {
        return prefix + name;
    }

    /** A letter describing a failure of the record {@code user}/{@code value} consumed at {@code topic} partition 0. */
    static ProducerRecord<byte[], byte[]> letter(String dlqTopic, String topic, long offset, String stage, String errorClass,
                                                  String user, String requestId, Instant failedAt, int replayCount) {
        ConsumerRecord<byte[], byte[]> failed = new ConsumerRecord<>(topic, 0, offset, user.getBytes(StandardCharsets.UTF_8),
                ("value-of-" + requestId).getBytes(StandardCharsets.UTF_8));
        if (replayCount > 0) {
            failed.headers().add(new RecordHeader(DeadLetterHeaders.REPLAY_COUNT, Integer.toString(replayCount).getBytes(StandardCharsets.UTF_8)));
        }
        failed.headers().add(new RecordHeader("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8)));
        return DeadLetterHeaders.deadLetter(dlqTopic, failed, stage, errorClass, "provider said 503", 3, requestId, failedAt);
    }

    void send(List<ProducerRecord<byte[], byte[]>> records) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 5), new ByteArraySerializer(), new ByteArraySerializer())) {
            records.forEach(producer::send);
            producer.flush();
        }
    }

    /** Everything committed on {@code topic} now. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        awaitTransactionsSettled(topic);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        new DlqReader(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())).scan(topic, true, out::add);
        return out;
    }

    /**
     * commitTransaction returns once the coordinator logged the commit; the markers that make the records visible to
     * read_committed readers are written just after. Reading at once could stop at a last stable offset below the
     * replayed records (seen as an empty topic under load), so wait until no transaction is pending on the topic.
     */
    private void awaitTransactionsSettled(String topic) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
                var description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (description == null) {
                    return true;
                }
                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
                description.partitions().forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()),
                        org.apache.kafka.clients.admin.OffsetSpec.latest()));
                var committed = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_COMMITTED)).all().get();
                var uncommitted = admin.listOffsets(latest, new org.apache.kafka.clients.admin.ListOffsetsOptions(
                        org.apache.kafka.common.IsolationLevel.READ_UNCOMMITTED)).all().get();
                return latest.keySet().stream().allMatch(tp -> committed.get(tp).offset() == uncommitted.get(tp).offset());
            } catch (java.util.concurrent.ExecutionException e) {
                return e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
            }
        });
    }

    record Run(int exitCode, String out, String err) {}

    Run dlq(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DlqCommand(config, Clock.fixed(NOW, java.time.ZoneOffset.UTC)));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Instant hoursAgo(long h) {
        return NOW.minus(Duration.ofHours(h));
    }
}
