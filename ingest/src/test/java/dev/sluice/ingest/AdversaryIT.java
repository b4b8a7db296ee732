package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.Role;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** Producers that lie about time or send oversized requests, through the real broker: limits hold, every request gets one readable outcome. */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AdversaryIT {

    @Test
    void shouldHoldTheLimitsAndAnswerEveryRequestOnBrokerTimeWhenAProducerStampsItsRecords(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "liar", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            IngestStage stage = cluster.startInstance();
            cluster.awaitAllRunning();
            String topic = cluster.topics.requests().name();
            Instant start = Instant.now();
            // An honest user holds a reservation while the liar's records pass through the same task.
            producer.send(new ProducerRecord<>(topic, "honest", AdmissionDriver.request("honest").build())).get();
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> stage.usage("honest").map(u -> u.reservedMicros() > 0).orElse(false));
            long held = stage.usage("honest").orElseThrow().reservedMicros();

            // A FREE user (10 per minute, 10 per UTC day) stamps 100 requests a day apart from 100 days ago, then 5 an hour ahead.
            List<String> sent = new ArrayList<>();
            Instant daysAgo = start.minus(Duration.ofDays(100));
            for (int i = 0; i < 105; i++) {
                long stamp = i < 100 ? daysAgo.plus(Duration.ofDays(i)).toEpochMilli() : start.plus(Duration.ofMinutes(59)).toEpochMilli();
                LlmRequest request = AdmissionDriver.request("liar").setCreatedAt(Instant.ofEpochMilli(stamp)).build();
                sent.add(request.getRequestId());
                producer.send(new ProducerRecord<>(topic, null, stamp, "liar", request));
            }
            producer.flush();

            decisions.await(106);
            Instant end = Instant.now();

            List<AdmittedRequest> liarAdmitted = decisions.admitted.stream().filter(a -> a.getRequest().getUserId().equals("liar")).toList();
            assertThat(liarAdmitted).as("no more than the FREE limits").hasSizeLessThanOrEqualTo(10);
            Set<String> decided = new HashSet<>();
            liarAdmitted.forEach(a -> decided.add(a.getRequest().getRequestId()));
            decisions.rejected.forEach(r -> decided.add(r.getRequestId()));
            assertThat(decided).as("exactly one outcome per request").hasSize(105).containsAll(sent);
            assertThat(decisions.timestamps).as("outputs carry broker time, so retention cannot delete them before they are read")
                    .hasSize(106).allSatisfy(t -> assertThat(Instant.ofEpochMilli(t)).isBetween(start.minusSeconds(5), end.plusSeconds(5)));
            assertThat(decisions.rejected).allSatisfy(r -> {
                assertThat(r.getReason()).isIn(RejectReason.RATE_LIMITED, RejectReason.QUOTA_EXCEEDED);
                if (r.getRetryAfterMs() != null) {
                    assertThat(r.getRetryAfterMs()).isBetween(0L, Duration.ofDays(1).toMillis());
                }
            });
            assertThat(stage.usage("honest").orElseThrow().reservedMicros()).as("nobody else's reservation moved").isEqualTo(held);
        }
    }

    @Test
    void shouldRefuseToStartOnARequestsTopicWithProducerTime(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("createtime");
        TopicCatalog topics = new TopicCatalog(prefix, 2, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.requests().name(), 2, (short) 1))).all().get(); // CreateTime
            Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> {
                TopicSetup.createAll(topics, admin, (short) 1);
                return true;
            });
        }
        Map<String, String> s = new HashMap<>(Map.of(IngestConfig.APPLICATION_ID, prefix + "ingest",
                "state.dir", SluiceInfra.workDir("state").resolve(prefix).toString()));
        try (IngestStage stage = new IngestStage(IngestConfig.from(SluiceConfig.of(s)), topics, new SimpleMeterRegistry(),
                Map.of("bootstrap.servers", kafka.bootstrapServers()), java.time.Clock.systemUTC())) {
            assertThatThrownBy(stage::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(topics.requests().name() + " (CreateTime)")
                    .hasMessageNotContaining(topics.costs().name())
                    .hasMessageContaining("kafka-configs").hasMessageContaining("message.timestamp.type=LogAppendTime");
        }
    }

    @Test
    void shouldRejectMetadataAtTheRecordSizeLimitAndTenThousandMessagesAndKeepGoing(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "size", Map.of());
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            cluster.startInstance();
            cluster.awaitAllRunning();
            String topic = cluster.topics.requests().name();
            // ~1,040,000 bytes: just under the broker's and the producer's 1 MiB record limits.
            LlmRequest fat = AdmissionDriver.request("fat").setMetadata(Map.of("blob", "m".repeat(1_040_000))).build();
            LlmRequest many = AdmissionDriver.request("fat").setMessages(Collections.nCopies(10_000, new ChatMessage(Role.USER, "hi"))).build();
            producer.send(new ProducerRecord<>(topic, "fat", fat)).get();
            producer.send(new ProducerRecord<>(topic, "fat", many)).get();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, "user-" + i, AdmissionDriver.request("user-" + i).build()));
            }
            producer.flush();

            decisions.awaitUntil(() -> decisions.admitted.size() >= 20 && decisions.rejected.size() >= 2);
            assertThat(decisions.rejected).hasSize(2).allSatisfy(r -> assertThat(r.getReason()).isEqualTo(RejectReason.INVALID));
            assertThat(decisions.rejected).filteredOn(r -> r.getRequestId().equals(fat.getRequestId())).singleElement()
                    .satisfies(r -> assertThat(r.getField()).isEqualTo("metadata"));
            assertThat(decisions.rejected).filteredOn(r -> r.getRequestId().equals(many.getRequestId())).singleElement()
                    .satisfies(r -> assertThat(r.getField()).isEqualTo("messages"));
            assertThat(decisions.admitted).as("the stage kept going").hasSize(20);
        }
    }
}
