package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ingest.commit.fresh.interval.ms} against a real broker: a caller whose request arrives while admission is
 * caught up gets its outcome at the fresh interval, not at the long {@code ingest.commit.interval.ms}. (That a backlog
 * is committed at the long interval only is {@code CommitPacerTest}'s; its effect on the drain rate is measured by
 * {@code DeployedIngestBenchmark}.)
 */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class CommitPacingIT {
    /**
     * The long interval: just under the 10 s transaction timeout Streams gives its producers, so without early commits
     * a request sent right after a commit stays invisible for about this long.
     */
    private static final long LONG_INTERVAL_MS = 9_000;
    /** How long each caller may wait: well below the long interval, far above the 20 ms fresh interval. */
    private static final Duration CALLER_WAIT = Duration.ofMillis(LONG_INTERVAL_MS - 1_500);

    @Test
    void shouldAnswerEachFreshRequestLongBeforeTheLongCommitInterval(KafkaBroker kafka, SchemaRegistryServer registry) {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "pace", Map.of(
                IngestConfig.COMMIT_INTERVAL_MS, Long.toString(LONG_INTERVAL_MS),
                IngestConfig.FRESH_COMMIT_INTERVAL_MS, "20"));
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             KafkaConsumer<String, AdmittedRequest> admitted = cluster.consumer(cluster.topics.admitted())) {
            cluster.startInstance();
            cluster.awaitAllRunning();

            // One at a time, each sent as soon as the previous one's admission became visible (that is, right after a
            // commit): only a commit other than the long interval's can make each visible within CALLER_WAIT.
            for (int i = 0; i < 3; i++) {
                String user = "caller-" + i;
                LlmRequest request = AdmissionDriver.request(user).setCreatedAt(Instant.now()).build();
                producer.send(new ProducerRecord<>(cluster.topics.requests().name(), user, request));
                producer.flush();
                Awaitility.await("admission of request " + i + " visible to a read_committed reader").atMost(CALLER_WAIT)
                        .pollInterval(Duration.ofMillis(10))
                        .until(() -> {
                            boolean[] seen = {false};
                            admitted.poll(Duration.ofMillis(50)).forEach(r -> seen[0] |= r.value().getRequest().getRequestId()
                                    .equals(request.getRequestId()));
                            return seen[0];
                        });
            }
            assertThat(admitted.poll(Duration.ofMillis(200))).as("nothing else admitted").isEmpty();
        }
    }
}
