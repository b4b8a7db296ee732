package dev.sluice.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.sluice.schema.LlmRequest;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two admission instances with standby replicas ({@code kafka.num.standby.replicas=1}): each keeps a warm copy of the
 * other's state. One is killed and never comes back. The one that stays takes over the dead one's users from its copy,
 * without reading their state back from the changelogs (what a take-over without a copy does, for as long as the
 * changelogs take to read: minutes at a day's traffic), and by that state: a user who used the day's quota before the
 * crash is refused after it.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class AdmissionStandbyTakeoverIT {
    private static final Duration AWAIT = Duration.ofMinutes(2);
    private static final int USERS = 60;
    private static final String[] CHANGELOGS = {"admission-user-state", "admission-requests", "admission-user-window"};

    @Test
    void shouldTakeOverACrashedInstancesUsersFromItsStandbyCopyAndKeepTheirQuotas(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis) throws Exception {
        awaitClearOfUtcMidnight(); // the quota is a UTC day's: it must not start afresh between the two halves
        Map<String, String> settings = Map.of("ingest.tier.pro.requests.per.day", "2", "kafka.num.standby.replicas", "1");
        try (MockLlmServer mock = MockLlmServer.start();
             Pipeline p = new Pipeline("admission-standby-takeover", kafka, registry, redis, mock, settings);
             Workload workload = new Workload(p);
             Admin admin = kafka.admin()) {
            String group = p.prefix + "ingest"; // the application id the pipeline gives admission
            StageProcess doomed = p.stage("ingest", 1, Map.of("ingest.instance.id", p.prefix + "ingest-1"));
            StageProcess survivor = p.stage("ingest", 2, Map.of("ingest.instance.id", p.prefix + "ingest-2"));
            doomed.start();
            survivor.start();
            await("both instances running tasks").atMost(AWAIT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> activePartitions(admin, group, survivor).size() > 0 && activePartitions(admin, group, doomed).size() > 0);
            List<String> users = Workload.users(p.prefix, USERS);
            List<String> quotaUsed = new ArrayList<>();
            for (int n = 0; n < 2; n++) {
                for (String user : users) {
                    LlmRequest r = workload.request(user, n);
                    quotaUsed.add(r.getRequestId().toString());
                    workload.send(r);
                }
            }
            workload.flush();
            await("each user's two requests of the day admitted").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> CrashRestartIT.admittedIds(p).size() >= quotaUsed.size());
            Set<Integer> doomedPartitions = activePartitions(admin, group, doomed);
            long doomedState = committedChangelogRecords(p, group, doomedPartitions);
            await("the survivor's copy of the doomed instance's tasks up to date").atMost(AWAIT).pollInterval(Duration.ofMillis(250))
                    .until(() -> survivor.meter("sluice_ingest_state_standby_records_total") >= doomedState);
            double restoredBefore = survivor.meter("sluice_ingest_state_restored_records_total");

            doomed.kill(); // and never started again: its session (6 s) expires and its tasks move to the survivor
            List<String> overQuota = new ArrayList<>();
            for (String user : users) {
                LlmRequest r = workload.request(user, 2);
                overQuota.add(r.getRequestId().toString());
                workload.send(r);
            }
            workload.flush();
            await("every request sent after the crash decided by the survivor").atMost(AWAIT).pollInterval(Duration.ofMillis(500))
                    .until(() -> CrashRestartIT.decided(p, overQuota).size() == overQuota.size());

            assertThat(doomedPartitions).as("the killed instance ran some of the users").isNotEmpty();
            assertThat(CrashRestartIT.decided(p, overQuota).values()).as("every user's quota, the killed instance's users' too, held"
                    + " across the take-over").containsOnly("QUOTA_EXCEEDED");
            double readBack = survivor.meter("sluice_ingest_state_restored_records_total") - restoredBefore;
            assertThat(readBack).as("changelog records the survivor read back to take over, of the %d a take-over without a copy"
                    + " reads", doomedState).isLessThan(doomedState / 10.0);
            assertThat(doomedState).as("the killed instance's tasks held state (two records a request admitted)").isGreaterThan(20);
            assertThat(CrashRestartIT.admittedIds(p)).as("no request admitted twice").doesNotHaveDuplicates().hasSize(quotaUsed.size());
        }
    }

    /** The requests-topic partitions {@code instance} runs the tasks of. */
    private static Set<Integer> activePartitions(Admin admin, String group, StageProcess instance) throws Exception {
        return Takeovers.assignment(admin, group, instance).stream().map(tp -> tp.partition()).collect(Collectors.toSet());
    }

    /** The committed records in admission's changelogs of {@code partitions}' tasks: what a take-over without a copy reads. */
    private static long committedChangelogRecords(Pipeline p, String applicationId, Set<Integer> partitions) {
        long records = 0;
        for (String store : CHANGELOGS) {
            records += Takeovers.committedRecords(p, applicationId + "-" + store + "-changelog", partitions::contains);
        }
        return records;
    }

    private static void awaitClearOfUtcMidnight() throws InterruptedException {
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        if (now.isAfter(LocalTime.of(23, 55))) {
            Thread.sleep(Duration.between(now, LocalTime.MAX).toMillis() + 5_000);
        }
    }
}
