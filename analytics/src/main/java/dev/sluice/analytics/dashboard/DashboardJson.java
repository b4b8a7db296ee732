package dev.sluice.analytics.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.common.UtcWindows;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.Spender;
import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.UserPolicy;

/**
 * The documents of the read-only JSON API ({@code /api/v1/*}, docs/dashboard.md), built from a {@link Tables.Snapshot}
 * and, for the pipeline, the latest {@link PipelineSampler.State}. Pure; shared by the dashboard server and
 * {@code sluice report --json}. Money is in micro-dollars ({@code …Micros}, whole numbers), times are ISO-8601 UTC
 * plus epoch seconds for charting. Nothing here carries prompt text, a key or a secret: only ids, counts and money.
 */
public final class DashboardJson {
    /** The API version in every document and in the path ({@code /api/v1}). */
    public static final int VERSION = 1;

    private DashboardJson() {}

    /** {@code /api/v1/spend}: spend and savings per hour and day, per model, per user and day, top spenders. */
    public static Map<String, Object> spend(Tables.Snapshot s, Instant from) {
        Map<Instant, long[]> hourly = new TreeMap<>();
        Map<String, SpendTotals> byModel = new TreeMap<>();
        for (ModelHourlySpend h : s.modelHours()) {
            if (overlaps(h.getWindowStart(), UtcWindows.HOUR, from)) {
                long[] v = hourly.computeIfAbsent(h.getWindowStart(), k -> new long[3]);
                v[0] += h.getTotals().getRequests();
                v[1] += h.getTotals().getCostMicros();
                v[2] += h.getTotals().getSavedMicros();
                byModel.merge(h.getModel(), h.getTotals(), DashboardJson::add);
            }
        }
        List<Map<String, Object>> hours = new ArrayList<>();
        hourly.forEach((at, v) -> hours.add(row("hour", at.toString(), "epoch", at.getEpochSecond(), "requests", v[0],
                "costMicros", v[1], "savedMicros", v[2])));
        List<Map<String, Object>> models = new ArrayList<>();
        byModel.forEach((model, t) -> models.add(row("model", model, "requests", t.getRequests(), "inputTokens", t.getInputTokens(),
                "outputTokens", t.getOutputTokens(), "costMicros", t.getCostMicros(), "savedMicros", t.getSavedMicros())));
        List<Map<String, Object>> days = s.savings().stream().filter(d -> overlaps(d.getWindowStart(), UtcWindows.DAY, from))
                .sorted(Comparator.comparing(DailySavings::getDay))
                .map(d -> row("day", d.getDay(), "requests", d.getTotals().getRequests(), "cacheHits", d.getTotals().getCacheHits(),
                        "costMicros", d.getTotals().getCostMicros(), "savedMicros", d.getTotals().getSavedMicros())).toList();
        List<Map<String, Object>> users = s.userDays().stream().filter(d -> overlaps(d.getWindowStart(), UtcWindows.DAY, from))
                .sorted(Comparator.comparing(UserDailySpend::getDay).reversed().thenComparing(d -> -d.getTotals().getCostMicros()))
                .map(d -> row("day", d.getDay(), "userId", d.getUserId(), "requests", d.getTotals().getRequests(),
                        "costMicros", d.getTotals().getCostMicros(), "savedMicros", d.getTotals().getSavedMicros())).toList();
        List<Map<String, Object>> top = new ArrayList<>();
        s.top().stream().filter(t -> overlaps(Instant.parse(t.getDay() + "T00:00:00Z"), UtcWindows.DAY, from))
                .sorted(Comparator.comparing(TopSpenders::getDay).reversed()).forEach(t -> {
                    List<Spender> sp = t.getSpenders();
                    for (int i = 0; i < sp.size(); i++) {
                        top.add(row("day", t.getDay(), "rank", i + 1, "userId", sp.get(i).getUserId(), "costMicros", sp.get(i).getCostMicros()));
                    }
                });
        return doc("from", from.toString(), "hourly", hours, "daily", days, "byModel", models, "byUserDay", users, "topSpenders", top);
    }

    /**
     * {@code /api/v1/rejections}: rejections per reason per hour next to admitted-and-answered requests per hour, totals
     * per reason over the span, and the current hour's limit pressure (share of the hour's decisions refused by each
     * limit).
     */
    public static Map<String, Object> rejections(Tables.Snapshot s, Instant from, Instant now) {
        Map<String, Long> totals = new TreeMap<>();
        List<Map<String, Object>> hourly = new ArrayList<>();
        Instant thisHour = now.truncatedTo(ChronoUnit.HOURS);
        Map<String, Long> current = new TreeMap<>();
        s.rejections().stream().filter(r -> overlaps(r.getWindowStart(), UtcWindows.HOUR, from))
                .sorted(Comparator.comparing(RejectionCount::getWindowStart).thenComparing(RejectionCount::getReason)).forEach(r -> {
                    totals.merge(r.getReason(), r.getCount(), Long::sum);
                    hourly.add(row("hour", r.getWindowStart().toString(), "epoch", r.getWindowStart().getEpochSecond(),
                            "reason", r.getReason(), "count", r.getCount()));
                    if (r.getWindowStart().equals(thisHour)) {
                        current.merge(r.getReason(), r.getCount(), Long::sum);
                    }
                });
        Map<Instant, Long> admitted = new TreeMap<>();
        s.modelHours().stream().filter(h -> overlaps(h.getWindowStart(), UtcWindows.HOUR, from))
                .forEach(h -> admitted.merge(h.getWindowStart(), h.getTotals().getRequests(), Long::sum));
        List<Map<String, Object>> answered = new ArrayList<>();
        admitted.forEach((at, n) -> answered.add(row("hour", at.toString(), "epoch", at.getEpochSecond(), "requests", n)));
        long decisions = admitted.getOrDefault(thisHour, 0L) + current.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Object> pressure = new LinkedHashMap<>();
        for (String reason : List.of("RATE_LIMITED", "QUOTA_EXCEEDED", "BUDGET_EXCEEDED", "REQUEST_TOO_EXPENSIVE")) {
            long n = current.getOrDefault(reason, 0L);
            pressure.put(reason, row("count", n, "percentOfDecisions", decisions == 0 ? 0.0 : Math.round(1000.0 * n / decisions) / 10.0));
        }
        return doc("from", from.toString(), "totals", totals, "hourly", hourly, "answeredHourly", answered,
                "currentHour", thisHour.toString(), "pressure", pressure);
    }

    /** {@code /api/v1/budgets}: users by share of today's budget spent (highest first), and every overspend flag. */
    public static Map<String, Object> budgets(Tables.Snapshot s, Instant now) {
        String today = LocalDate.ofInstant(now, ZoneOffset.UTC).toString();
        Map<String, Long> spentToday = new TreeMap<>();
        s.userDays().stream().filter(d -> d.getDay().equals(today))
                .forEach(d -> spentToday.merge(d.getUserId(), d.getTotals().getCostMicros(), Long::sum));
        List<Map<String, Object>> users = new ArrayList<>();
        for (UserPolicy p : s.policies().values()) {
            Long budget = p.getDailyBudgetMicros();
            if (budget == null || budget <= 0) {
                continue;
            }
            long spent = spentToday.getOrDefault(p.getUserId(), 0L);
            users.add(row("userId", p.getUserId(), "tier", p.getTier(), "spentTodayMicros", spent, "dailyBudgetMicros", budget,
                    "usedPercent", Math.round(1000.0 * spent / budget) / 10.0));
        }
        users.sort(Comparator.comparing((Map<String, Object> u) -> (Double) u.get("usedPercent")).reversed()
                .thenComparing(u -> (String) u.get("userId")));
        List<Map<String, Object>> over = s.overspend().stream().map(o -> row("day", o.day(), "userId", o.userId(), "flags", o.flags(),
                "chargedMicros", o.chargedMicros(), "reservedMicros", o.reservedMicros(),
                "overMicros", o.chargedMicros() - o.reservedMicros())).toList();
        return doc("day", today, "users", users, "overspend", over);
    }

    /** {@code /api/v1/pipeline}: lag, throughput, breakers, latency, Redis and dead letters, with where each came from. */
    public static Map<String, Object> pipeline(Tables.Snapshot s, PipelineSampler.State state) {
        List<Map<String, Object>> letters = new ArrayList<>();
        s.deadLetters().forEach((k, n) -> {
            String[] stageClass = k.split("\\|", 2);
            letters.add(row("stage", stageClass[0], "errorClass", stageClass[1], "count", n));
        });
        Map<String, Object> doc = doc("sampledAt", state.sampledAt() == null ? null : state.sampledAt().toString());
        doc.put("groups", state.groups().stream().map(g -> row("group", g.group(), "lag", g.lag(), "partitions", g.partitions())).toList());
        doc.put("throughput", state.throughput().stream().map(t -> row("stage", t.stage(), "topic", t.topic(),
                "perSecond", Math.round(t.perSecond() * 10) / 10.0, "endOffset", t.endOffset())).toList());
        doc.put("breakers", state.breakers());
        doc.put("breakerTransitions", state.transitions());
        doc.put("latency", state.latency());
        doc.put("redisDegraded", state.redisDegraded());
        Double oldest = state.heldOldestSeconds();
        doc.put("moneyHeld", state.heldMicros() == null ? null : row("micros", state.heldMicros(),
                "users", state.heldUsers() == null ? 0L : state.heldUsers(),
                // null when no instance reports it, or one has not read its reservations since it started
                "oldestSeconds", oldest == null || oldest.isNaN() ? null : Math.round(oldest)));
        doc.put("deadLetters", letters);
        doc.put("scrapeUrls", state.scrapeUrls());
        doc.put("errors", state.errors());
        doc.put("sources", row("groups", "Kafka Admin API (committed offsets vs end offsets)",
                "throughput", "Kafka Admin API (end offsets per sample)",
                "breakers", "dashboard.scrape.urls (*_breaker_state gauges)",
                "latency", "dashboard.scrape.urls (quantile series of *_seconds timers)",
                "redisDegraded", "dashboard.scrape.urls (sluice_enrichment_degraded)",
                "moneyHeld", "dashboard.scrape.urls (sluice_ingest_reservations_held_micros / _users, summed over the admission instances;"
                        + " _oldest_seconds, the largest)",
                "deadLetters", "llm.dlq headers (sluice.dlq.stage / sluice.dlq.error.class, Streams __streams.errors.*)"));
        return doc;
    }

    /** {@code sluice report --json}: the same spend, rejections and budgets documents as the API, in one. */
    public static Map<String, Object> report(Tables.Snapshot s, Instant from, Instant now) {
        return doc("from", from.toString(), "spend", spend(s, from), "rejections", rejections(s, from, now), "budgets", budgets(s, now));
    }

    private static boolean overlaps(Instant windowStart, Duration size, Instant from) {
        return windowStart.plus(size).isAfter(from);
    }

    private static SpendTotals add(SpendTotals a, SpendTotals b) {
        return new SpendTotals(a.getRequests() + b.getRequests(), a.getCostMicros() + b.getCostMicros(), a.getSavedMicros() + b.getSavedMicros(),
                a.getCacheHits() + b.getCacheHits(), a.getInputTokens() + b.getInputTokens(), a.getOutputTokens() + b.getOutputTokens(),
                a.getSemanticHits() + b.getSemanticHits());
    }

    static Map<String, Object> doc(Object... kv) {
        Map<String, Object> m = row("version", VERSION);
        m.putAll(row(kv));
        return m;
    }

    static Map<String, Object> row(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
