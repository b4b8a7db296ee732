package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.common.CommonKeys;
import dev.sluice.ingest.admission.AdmissionDriver;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission stopped cleanly and started again where it ran goes on from its local copy of the state, reading next to
 * nothing back from the changelogs, and that copy holds every request admitted before the stop: the writes held on
 * the heap to reach RocksDB in key order ({@code SortedBatchStore}) included. Here a task admits far fewer requests
 * than a batch, so none of its writes had reached RocksDB by the time of the stop. Each request sent again after the
 * restart is refused {@code DUPLICATE}, and each user's day quota, used before the stop, holds after it. The same
 * holds when tasks move to a second instance and back while the first holds its writes.
 */
@Tag("integration")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class LocalStateRestartIT {
    private static final int USERS = 300;
    /** Every user on a tier of two requests a UTC day. */
    private static final Map<String, String> TWO_A_DAY = Map.of(CommonKeys.DEFAULT_TIER, "FREE", "ingest.tier.free.requests.per.day", "2");

    @Test
    void shouldRefuseEveryRequestAdmittedBeforeACleanStopWhenRestartedOnItsOwnState(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "local-restart", TWO_A_DAY);
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            FirstDay day = firstDay(cluster, producer, decisions);
            IngestStage first = day.first();
            List<LlmRequest> admitted = day.admitted();
            assertThat(decisions.admitted).as("each user's two requests of the day").hasSize(admitted.size());

            first.close(); // clean: Kafka Streams commits, writes its checkpoint and closes the stores
            IngestStage second = cluster.startInstance(0);
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200)).until(() -> second.health().ready());
            List<LlmRequest> third = requests(cluster);
            send(cluster, producer, admitted); // the same requests again
            send(cluster, producer, third);
            decisions.await(2 * admitted.size() + third.size());

            Map<RejectReason, Set<String>> refused = refusedByReason(decisions);
            assertThat(decisions.admitted).as("nothing admitted after the restart").hasSize(admitted.size());
            assertThat(refused.get(RejectReason.DUPLICATE)).as("every request admitted before the stop, sent again")
                    .containsExactlyInAnyOrderElementsOf(ids(admitted));
            assertThat(refused.get(RejectReason.QUOTA_EXCEEDED)).as("every user's third request of the day")
                    .containsExactlyInAnyOrderElementsOf(ids(third));
            double restored = cluster.meters(1).get("sluice.ingest.state.restored.records").counter().count();
            assertThat(restored).as("changelog records read back: the restarted instance went on from its local copy, of the %d"
                    + " records admission wrote before the stop", 2 * admitted.size()).isLessThan(admitted.size() / 10.0);
        }
    }

    /**
     * Partitions move to a second instance and back while the first holds its writes on the heap: the first instance
     * admits each user's two requests of the day (fewer than a batch per task: every write held), a second joins and
     * takes tasks over (the first hands its held writes on as it commits them away), refuses the requests sent again and
     * each third, and stops; the first takes its tasks back, reading from its own checkpoint what the second wrote.
     * Whichever instance runs a user's task, nothing is admitted twice and no quota is passed.
     */
    @Test
    void shouldKeepEveryDecisionWhenTasksMoveToAnotherInstanceAndBackWhileWritesAreHeld(KafkaBroker kafka, SchemaRegistryServer registry)
            throws Exception {
        try (IngestCluster cluster = new IngestCluster(kafka, registry, "move-back", TWO_A_DAY);
             KafkaProducer<String, LlmRequest> producer = cluster.producer(cluster.topics.requests());
             IngestCluster.Decisions decisions = cluster.decisions()) {
            FirstDay day = firstDay(cluster, producer, decisions);
            IngestStage first = day.first();
            List<LlmRequest> admitted = day.admitted();

            IngestStage second = cluster.startInstance();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> second.health().ready() && first.health().ready() && !activeTasks(second).isEmpty());
            Set<String> moved = activeTasks(second);
            Set<String> kept = activeTasks(first);
            List<LlmRequest> third = requests(cluster);
            send(cluster, producer, admitted);
            send(cluster, producer, third);
            decisions.await(2 * admitted.size() + third.size());

            second.close();
            Awaitility.await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                    .until(() -> first.health().ready() && activeTasks(first).containsAll(moved));
            List<LlmRequest> fourth = requests(cluster);
            send(cluster, producer, admitted);
            send(cluster, producer, fourth);
            decisions.await(3 * admitted.size() + third.size() + fourth.size());

            Map<RejectReason, Set<String>> refused = refusedByReason(decisions);
            assertThat(moved).as("tasks the second instance took over").isNotEmpty();
            assertThat(kept).as("tasks the first kept meanwhile").isNotEmpty().doesNotContainAnyElementsOf(moved);
            assertThat(decisions.admitted).as("nothing admitted after the first two of each user's day").hasSize(admitted.size());
            assertThat(refused.get(RejectReason.DUPLICATE)).as("every admitted request sent again, on either instance")
                    .containsExactlyInAnyOrderElementsOf(ids(admitted));
            List<String> overQuota = new ArrayList<>(ids(third));
            overQuota.addAll(ids(fourth));
            assertThat(refused.get(RejectReason.QUOTA_EXCEEDED)).as("every user's third and fourth request of the day")
                    .containsExactlyInAnyOrderElementsOf(overQuota);
        }
    }

    /** The first instance, and each user's two requests of the day it admitted. */
    private record FirstDay(IngestStage first, List<LlmRequest> admitted) {}

    /** Starts the first instance and sends each user's two requests of the day; returns once both are decided. */
    private static FirstDay firstDay(IngestCluster cluster, KafkaProducer<String, LlmRequest> producer, IngestCluster.Decisions decisions) {
        IngestStage first = cluster.startInstance();
        cluster.awaitAllRunning();
        List<LlmRequest> admitted = new ArrayList<>(requests(cluster));
        admitted.addAll(requests(cluster));
        send(cluster, producer, admitted);
        decisions.await(admitted.size());
        return new FirstDay(first, admitted);
    }

    /** The request ids of every refusal read so far, by reason. */
    private static Map<RejectReason, Set<String>> refusedByReason(IngestCluster.Decisions decisions) {
        return decisions.rejected.stream().collect(Collectors.groupingBy(RejectedRequest::getReason,
                Collectors.mapping(r -> r.getRequestId().toString(), Collectors.toSet())));
    }

    private static List<String> ids(List<LlmRequest> requests) {
        return requests.stream().map(r -> r.getRequestId().toString()).toList();
    }

    /** One new request of each user. */
    private static List<LlmRequest> requests(IngestCluster cluster) {
        List<LlmRequest> each = new ArrayList<>();
        for (int u = 0; u < USERS; u++) {
            each.add(AdmissionDriver.request(cluster.prefix + "user-" + u).build());
        }
        return each;
    }

    /** The active tasks {@code stage} runs now (sub-topology and partition, e.g. {@code 0_3}). */
    private static Set<String> activeTasks(IngestStage stage) {
        return stage.streams().metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .map(t -> t.taskId().toString()).collect(Collectors.toSet());
    }

    private static void send(IngestCluster cluster, KafkaProducer<String, LlmRequest> producer, List<LlmRequest> requests) {
        requests.forEach(r -> producer.send(new ProducerRecord<>(cluster.topics.requests().name(), r.getUserId().toString(), r)));
        producer.flush();
    }
}
