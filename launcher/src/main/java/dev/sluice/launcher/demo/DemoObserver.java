package dev.sluice.launcher.demo;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import dev.sluice.launcher.load.LatencyHistogram;
import dev.sluice.launcher.load.OutcomeWatcher.Kind;
import dev.sluice.launcher.load.OutcomeWatcher.Outcome;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.GenerationResult;

/**
 * Collects what the demo's watcher sees: when each request became visible on each topic (so stage
 * latencies are measured as a read_committed consumer experiences them), rejection reasons, dead-letter
 * classes, embedding sources and results.
 */
public final class DemoObserver implements BiConsumer<Outcome, Object> {
    private final Map<String, Long> createdAt;
    private final Map<String, Map<Kind, Long>> seen = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> rejectedByReason = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> deadLettersByClass = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> embeddingSources = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> resultsByProvider = new ConcurrentHashMap<>();
    private final AtomicLong terminal = new AtomicLong();
    /** UTC minute → Σ reservedMicros (worst case) of the requests admitted in it. */
    private final Map<Long, AtomicLong> admittedWorstCasePerMinute = new ConcurrentHashMap<>();
    /** The link that answered (last chain attempt) → results answered after a fallback. */
    private final Map<String, AtomicLong> fallbacks = new ConcurrentHashMap<>();

    /** @param createdAt requestId → createdAt millis of the requests the workload sends (filled as it sends) */
    public DemoObserver(Map<String, Long> createdAt) {
        this.createdAt = createdAt;
    }

    @Override
    public void accept(Outcome outcome, Object value) {
        if (!outcome.requestId().isEmpty() && !createdAt.containsKey(outcome.requestId())) {
            return; // not the workload's (e.g. the gateway demo's requests): the summary counts only what it sent
        }
        if (outcome.kind().terminal()) {
            terminal.incrementAndGet();
        }
        seen.computeIfAbsent(outcome.requestId(), id -> new ConcurrentHashMap<>()).putIfAbsent(outcome.kind(), outcome.seenAtMillis());
        switch (outcome.kind()) {
            case REJECTED -> count(rejectedByReason, outcome.detail());
            case DEAD_LETTER -> count(deadLettersByClass, outcome.detail());
            case ENRICHED -> count(embeddingSources, outcome.detail());
            case RESULT -> {
                count(resultsByProvider, value instanceof GenerationResult r && r.getCacheHit() ? "cache" : outcome.detail());
                if (value instanceof GenerationResult r && r.getChainAttempts().size() > 1) {
                    count(fallbacks, r.getChainAttempts().get(r.getChainAttempts().size() - 1));
                }
            }
            case ADMITTED -> {
                if (value instanceof AdmittedRequest a) {
                    admittedWorstCasePerMinute.computeIfAbsent(Math.floorDiv(a.getAdmittedAt().toEpochMilli(), 60_000L),
                            m -> new AtomicLong()).addAndGet(a.getReservedMicros());
                }
            }
            default -> { }
        }
    }

    private static void count(Map<String, AtomicLong> counts, String key) {
        counts.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }

    /** Whether every one of {@code ids} has a terminal outcome (result, rejection or dead letter). */
    public boolean allEnded(java.util.Collection<String> ids) {
        return ids.stream().allMatch(id -> {
            Map<Kind, Long> at = seen.get(id);
            return at != null && at.keySet().stream().anyMatch(Kind::terminal);
        });
    }

    /** Results + rejections + dead letters seen so far. */
    public long terminal() {
        return terminal.get();
    }

    public Map<String, Long> rejectedByReason() { return snapshot(rejectedByReason); }
    public Map<String, Long> deadLettersByClass() { return snapshot(deadLettersByClass); }
    public Map<String, Long> embeddingSources() { return snapshot(embeddingSources); }
    public Map<String, Long> resultsByProvider() { return snapshot(resultsByProvider); }
    public Map<String, Long> fallbacks() { return snapshot(fallbacks); }

    /** UTC minute (epoch minutes) → worst case admitted in it, micro-USD. */
    public Map<Long, Long> admittedWorstCasePerMinute() {
        Map<Long, Long> out = new TreeMap<>();
        admittedWorstCasePerMinute.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    public long admitted() {
        return seen.values().stream().filter(m -> m.containsKey(Kind.ADMITTED)).count();
    }

    public long count(Map<String, Long> counts) {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<String, Long> snapshot(Map<String, AtomicLong> counts) {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** Per stage: time from the stage's input becoming visible to its output becoming visible, in ms. */
    public Map<String, LatencyHistogram> stageLatencies() {
        Map<String, LatencyHistogram> out = new java.util.LinkedHashMap<>();
        for (String stage : new String[] {"ingest", "enrichment", "generation", "end-to-end"}) {
            out.put(stage, new LatencyHistogram());
        }
        seen.forEach((id, at) -> {
            Long created = createdAt.get(id);
            Map<Kind, Long> t = new EnumMap<>(at);
            Long decided = t.containsKey(Kind.ADMITTED) ? t.get(Kind.ADMITTED) : t.get(Kind.REJECTED);
            if (created != null && decided != null) {
                out.get("ingest").record(decided - created);
            }
            if (t.containsKey(Kind.ADMITTED) && t.containsKey(Kind.ENRICHED)) {
                out.get("enrichment").record(t.get(Kind.ENRICHED) - t.get(Kind.ADMITTED));
            }
            if (t.containsKey(Kind.ENRICHED) && t.containsKey(Kind.RESULT)) {
                out.get("generation").record(t.get(Kind.RESULT) - t.get(Kind.ENRICHED));
            }
            if (created != null && t.containsKey(Kind.RESULT)) {
                out.get("end-to-end").record(t.get(Kind.RESULT) - created);
            }
        });
        return out;
    }
}
