package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.ingest.ceiling.CeilingTopology;
import dev.sluice.ingest.ceiling.CeilingWindow;
import dev.sluice.ingest.ceiling.TaskLease;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The global ceiling through the whole admission topology (TopologyTestDriver runs partition 0 of 6 and the
 * coordinator, and pipes lease requests and grants between them). A request of {@code flat-model} with 1,000 output
 * tokens has a worst case of exactly 10,000 µ$.
 */
class GlobalCeilingTopologyTest {
    private static final long WORST = 10_000;
    private AdmissionDriver admission;
    @TempDir
    Path dir;

    private AdmissionDriver driver(Map<String, String> ceiling) throws IOException {
        Path models = dir.resolve("models.properties");
        Files.writeString(models, "flat-model = 0, 10\n");
        Map<String, String> settings = new HashMap<>(ceiling);
        settings.put("models.file", models.toString());
        settings.put("default.tier", "PRO");
        admission = new AdmissionDriver(settings);
        return admission;
    }

    @AfterEach
    void tearDown() {
        if (admission != null) {
            admission.close();
        }
    }

    private static LlmRequest request(String user) {
        return AdmissionDriver.request(user).setModel("flat-model")
                .setMessages(List.of(new ChatMessage(Role.USER, ""))).setMaxOutputTokens(1000).build();
    }

    @Test
    void shouldAdmitThePartitionsBaseShareAndTheWholePoolThenRejectUntilTheNextMinute() throws IOException {
        // 120,000 µ$/min over 6 partitions: base share 10,000 per partition, pool 60,000: partition 0 can hold 70,000.
        driver(Map.of("ingest.global.budget.per.minute.micros", "120000", "ingest.global.lease.slice.micros", "20000"));
        List<Object> decisions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            decisions.add(admission.send(request("user-" + i), T0.plusMillis(i)));
        }
        long admitted = decisions.stream().filter(d -> d instanceof AdmittedRequest)
                .mapToLong(d -> ((AdmittedRequest) d).getReservedMicros()).sum();
        assertThat(admitted).isEqualTo(70_000);
        List<RejectedRequest> rejected = decisions.stream().filter(d -> d instanceof RejectedRequest)
                .map(d -> (RejectedRequest) d).toList();
        assertThat(rejected).hasSize(3).allSatisfy(r -> {
            assertThat(r.getReason()).isEqualTo(RejectReason.GLOBAL_BUDGET_EXCEEDED);
            // the pool said it is empty: retry when the next UTC minute starts (T0 is on a minute boundary)
            assertThat(r.getRetryAfterMs()).isEqualTo(60_000 - (r.getRejectedAt().toEpochMilli() - T0.toEpochMilli()));
        });
        assertThat(coordinatorGranted(CeilingWindow.MINUTE)).isEqualTo(60_000);

        Object nextMinute = admission.send(request("user-next"), T0.plusSeconds(60));
        assertThat(nextMinute).isInstanceOf(AdmittedRequest.class);
    }

    @Test
    void shouldHoldTheDailyCeilingAcrossMinutesAndRetryAtMidnight() throws IOException {
        // 240,000 µ$/day: base share 20,000, pool 120,000: partition 0 can admit 14 requests in the day.
        driver(Map.of("ingest.global.budget.per.day.micros", "240000", "ingest.global.lease.slice.micros", "10000"));
        int admitted = 0;
        RejectedRequest last = null;
        for (int i = 0; i < 30; i++) {
            Object d = admission.send(request("user-" + i), T0.plus(Duration.ofMinutes(i)));
            if (d instanceof AdmittedRequest) {
                admitted++;
            } else {
                last = (RejectedRequest) d;
            }
        }
        assertThat(admitted).isEqualTo(14);
        assertThat(last.getReason()).isEqualTo(RejectReason.GLOBAL_BUDGET_EXCEEDED);
        Instant midnight = Instant.parse("2026-03-03T00:00:00Z");
        assertThat(last.getRetryAfterMs()).isEqualTo(midnight.toEpochMilli() - last.getRejectedAt().toEpochMilli());
    }

    @Test
    void shouldNotTakeFromTheCeilingForARequestTheUsersOwnBudgetRefuses() throws IOException {
        driver(Map.of("ingest.global.budget.per.minute.micros", "120000", "ingest.global.lease.slice.micros", "20000"));
        admission.policy("poor", AdmissionDriver.tier("PRO").setDailyBudgetMicros(5_000L), T0);
        Object d = admission.send(request("poor"), T0);
        assertThat(((RejectedRequest) d).getReason()).isEqualTo(RejectReason.BUDGET_EXCEEDED);
        assertThat(taskLease(CeilingWindow.MINUTE)).isNull();
    }

    @Test
    void shouldReturnUnusedSlicesOfAnIdleTaskSoTheCoordinatorCanGrantThemAgain() throws IOException {
        driver(Map.of("ingest.global.budget.per.minute.micros", "120000", "ingest.global.lease.slice.micros", "20000",
                "ingest.global.lease.return.idle.ms", "5000"));
        // the driver's wall clock starts at T0, a minute boundary: the return happens within the requests' minute
        admission.send(request("a"), T0);
        admission.send(request("b"), T0.plusMillis(1));
        TaskLease before = taskLease(CeilingWindow.MINUTE);
        assertThat(before.grantedMicros()).isEqualTo(40_000);
        assertThat(coordinatorGranted(CeilingWindow.MINUTE)).isEqualTo(40_000);

        admission.driver.advanceWallClockTime(Duration.ofSeconds(6));

        TaskLease after = taskLease(CeilingWindow.MINUTE);
        long unused = before.remaining(10_000); // base share 10,000; 20,000 of 50,000 taken
        assertThat(unused).isEqualTo(30_000);
        assertThat(after.grantedMicros()).isEqualTo(before.grantedMicros() - unused);
        assertThat(coordinatorGranted(CeilingWindow.MINUTE)).isEqualTo(40_000 - unused);
    }

    private TaskLease taskLease(CeilingWindow w) {
        KeyValueStore<String, byte[]> store = admission.driver.getKeyValueStore(CeilingTopology.TASK_LEASE_STORE);
        byte[] raw = store.get(w.key());
        return raw == null ? null : TaskLease.decode(raw);
    }

    private long coordinatorGranted(CeilingWindow w) {
        KeyValueStore<String, byte[]> store = admission.driver.getKeyValueStore(CeilingTopology.COORDINATOR_STORE);
        return ByteBuffer.wrap(store.get(w.key())).getLong(8);
    }
}
