package dev.sluice.analytics.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.UserPolicy;
import org.junit.jupiter.api.Test;

class DashboardJsonTest {
    private static final Instant NOW = Instant.parse("2026-12-02T10:30:00Z");
    private static final Instant HOUR = Instant.parse("2026-12-02T10:00:00Z");

    private static SpendTotals totals(long requests, long cost) {
        return new SpendTotals(requests, cost, 0L, 0L, 0L, 0L, 0L);
    }

    private static Tables.Snapshot snapshot(List<UserDailySpend> days, List<ModelHourlySpend> hours, List<RejectionCount> rejections,
                                            Map<String, UserPolicy> policies, List<Tables.Overspend> over) {
        return new Tables.Snapshot(days, hours, List.of(), rejections, List.of(), policies, over, Map.of());
    }

    private static UserPolicy policy(String user, Long budget) {
        return UserPolicy.newBuilder().setUserId(user).setTier("PRO").setDailyBudgetMicros(budget).setUpdatedAt(NOW).build();
    }

    @Test
    void shouldRankUsersByShareOfTodaysBudgetAndSkipUsersWithoutOne() {
        Instant today = Instant.parse("2026-12-02T00:00:00Z");
        var s = snapshot(List.of(new UserDailySpend("a", "2026-12-02", today, totals(1, 900)), new UserDailySpend("b", "2026-12-02", today, totals(1, 300)),
                        new UserDailySpend("a", "2026-12-01", today.minusSeconds(86_400), totals(1, 5_000))),
                List.of(), List.of(), Map.of("a", policy("a", 1_000L), "b", policy("b", 200L), "c", policy("c", null)), List.of());

        List<Map<String, Object>> users = castList(DashboardJson.budgets(s, NOW).get("users"));

        assertThat(users).extracting(u -> u.get("userId")).containsExactly("b", "a");
        assertThat(users.get(0).get("usedPercent")).isEqualTo(150.0);
        assertThat(users.get(1).get("spentTodayMicros")).isEqualTo(900L);
    }

    @Test
    void shouldShowOverspendAsChargedMinusReserved() {
        var s = snapshot(List.of(), List.of(), List.of(), Map.of(), List.of(new Tables.Overspend("2026-12-02", "bob", 2, 1_500, 1_000)));

        Map<String, Object> row = castList(DashboardJson.budgets(s, NOW).get("overspend")).get(0);

        assertThat(row).containsEntry("userId", "bob").containsEntry("flags", 2L).containsEntry("overMicros", 500L);
    }

    @Test
    void shouldComputeThisHoursPressureAsShareOfDecisions() {
        var s = snapshot(List.of(), List.of(new ModelHourlySpend("m", HOUR, totals(6, 10))),
                List.of(new RejectionCount("RATE_LIMITED", HOUR, 3L), new RejectionCount("INVALID", HOUR, 1L),
                        new RejectionCount("RATE_LIMITED", HOUR.minusSeconds(3600), 7L)), Map.of(), List.of());

        Map<String, Object> doc = DashboardJson.rejections(s, NOW.minusSeconds(86_400), NOW);

        assertThat(doc.get("totals")).isEqualTo(Map.of("INVALID", 1L, "RATE_LIMITED", 10L));
        Map<String, Object> pressure = cast(doc.get("pressure"));
        assertThat(cast(pressure.get("RATE_LIMITED"))).containsEntry("count", 3L).containsEntry("percentOfDecisions", 30.0);
        assertThat(doc.get("version")).isEqualTo(1);
    }

    @Test
    void shouldLeaveOutWindowsBeforeTheSpan() {
        var s = snapshot(List.of(), List.of(new ModelHourlySpend("m", HOUR, totals(2, 10)),
                new ModelHourlySpend("m", HOUR.minusSeconds(7_200), totals(5, 50))), List.of(), Map.of(), List.of());

        Map<String, Object> doc = DashboardJson.spend(s, NOW.minusSeconds(3_600));

        assertThat(castList(doc.get("hourly"))).hasSize(1);
        assertThat(castList(doc.get("byModel")).get(0)).containsEntry("requests", 2L).containsEntry("costMicros", 10L);
    }

    @Test
    void shouldParseBreakerGaugesAndQuantilesFromPrometheusText() {
        List<PrometheusScrape.Series> out = new ArrayList<>();
        PrometheusScrape.parse("""
                # HELP sluice_generation_breaker_state x
                sluice_generation_breaker_state{model="gpt-4o-mini",provider="simulated"} 1.0
                sluice_generation_overhead_seconds{quantile="0.99",} 0.25
                sluice_generation_overhead_seconds_count 4.0
                jvm_threads_live_threads 12.0
                sluice_enrichment_degraded 0.0
                """, out);

        assertThat(out).extracting(PrometheusScrape.Series::name).containsExactly("sluice_generation_breaker_state",
                "sluice_generation_overhead_seconds", "sluice_enrichment_degraded");
        assertThat(out.get(0).labels()).containsEntry("provider", "simulated").containsEntry("model", "gpt-4o-mini");
        assertThat(out.get(1).value()).isEqualTo(0.25);
    }

    @Test
    void shouldDropCredentialsFromScrapeUrls() {
        assertThat(PipelineSampler.withoutCredentials("http://user:pw@host:8080/metrics: HTTP 500")).isEqualTo("http://host:8080/metrics: HTTP 500");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> castList(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
