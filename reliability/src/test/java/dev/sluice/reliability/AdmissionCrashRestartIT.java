package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Admission killed (SIGKILL: no shutdown hook, no goodbye to its consumer group) and started again at once, as a
 * supervisor would. The new process is the same instance (same host, same state directory), so it rejoins the group as
 * the member the dead one was and gets its tasks back without waiting for the broker to expire that member: here a
 * session timeout of five minutes, against an await of two. And the crash costs nothing: every request sent before and
 * after it is admitted exactly once.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AdmissionCrashRestartIT {
    /** Longer than the test waits for the restarted instance: a restart that had to outwait the dead member fails. */
    private static final String SESSION_TIMEOUT_MS = "300000";
    private static final int BEFORE = 300;
    private static final int AFTER = 300;

    @Test
    void shouldAdmitAgainAtOnceWhenRestartedAfterACrashWithoutWaitingOutTheDeadMembersSession(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("admission-crash-restart", kafka, registry, redis, mock,
                     Map.of("kafka.session.timeout.ms", SESSION_TIMEOUT_MS, "kafka.heartbeat.interval.ms", "3000"));
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            List<String> users = Workload.users(p.prefix, 10);
            StageProcess ingest = p.stage("ingest", 1);
            ingest.start();
            ingest.awaitReady(Duration.ofMinutes(2));
            for (int i = 0; i < BEFORE; i++) {
                workload.send(workload.request(users.get(i % users.size()), i));
            }
            workload.flush();
            await("the requests before the crash admitted").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                    .until(() -> admittedIds(p).size() >= BEFORE);
            String group = p.prefix + "ingest"; // the application id the pipeline gives admission
            List<String> before = memberInstanceIds(admin, group);

            ingest.kill();
            ingest.start();
            for (int i = 0; i < AFTER; i++) {
                workload.send(workload.request(users.get(i % users.size()), BEFORE + i));
            }
            workload.flush();
            await("the requests sent after the restart admitted, long before the dead member's session would expire")
                    .atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
                    .until(() -> admittedIds(p).size() >= BEFORE + AFTER);

            assertThat(before).as("the instance is a static member of its group").hasSize(1).doesNotContainNull();
            assertThat(memberInstanceIds(admin, group)).as("the restarted instance took the dead member's place").isEqualTo(before);
            assertThat(admittedIds(p)).as("every request admitted exactly once, across the crash")
                    .hasSize(BEFORE + AFTER).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(workload.ids());
        }
    }

    private static List<String> admittedIds(Pipeline p) {
        List<String> ids = new ArrayList<>();
        TopicScan.read(p.kafka, p.catalog.admitted().name(), true,
                r -> ids.add(p.catalog.admitted().valueSerde().deserializer().deserialize(r.topic(), r.value()).getRequest().getRequestId()));
        return ids;
    }

    private static List<String> memberInstanceIds(Admin admin, String group) throws Exception {
        Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(group)).all().get().get(group).members();
        return members.stream().map(m -> m.groupInstanceId().orElse(null)).toList();
    }
}
