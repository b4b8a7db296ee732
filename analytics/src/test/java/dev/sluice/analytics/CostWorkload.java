package dev.sluice.analytics;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import dev.sluice.schema.CostEvent;

/**
 * A generated cost workload: distinct events over a few days, some re-delivered (same requestId), delivered out of
 * order by up to {@code maxDelay}. {@link #delivered()} is the arrival order, {@link #distinct()} the truth.
 */
record CostWorkload(List<CostEvent> distinct, List<CostEvent> delivered) {
    static final List<String> USERS = List.of("alice", "bob", "carol", "dave", "erin", "frank");
    static final List<String> MODELS = List.of("gpt-4o-mini", "claude-sonnet-4-5", "llama-3-8b");

    static CostWorkload generate(long seed, int requests, Instant start, Duration span, Duration maxDelay, double duplicateRate) {
        Random random = new Random(seed);
        List<CostEvent> distinct = new ArrayList<>();
        record Arrival(CostEvent event, long arrivesAt) {}
        List<Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            long at = start.toEpochMilli() + (long) (random.nextDouble() * span.toMillis());
            boolean hit = random.nextInt(5) == 0;
            long in = 50 + random.nextInt(2000);
            long out = 10 + random.nextInt(800);
            CostEvent event = CostEvent.newBuilder()
                    .setRequestId(new UUID(seed, i).toString())
                    .setUserId(USERS.get(random.nextInt(USERS.size())))
                    .setModel(MODELS.get(random.nextInt(MODELS.size())))
                    .setProvider(hit ? "cache" : "simulated")
                    .setInputTokens(hit ? 0 : in).setOutputTokens(hit ? 0 : out)
                    .setCostMicros(hit ? 0 : in * 3 + out * 12)
                    .setSavedMicros(hit ? in * 3 + out * 12 : 0)
                    .setReservedMicros(in * 3 + out * 12 + 1000)
                    .setCacheHit(hit)
                    .setOccurredAt(Instant.ofEpochMilli(at))
                    .build();
            distinct.add(event);
            arrivals.add(new Arrival(event, at + (long) (random.nextDouble() * maxDelay.toMillis())));
            if (random.nextDouble() < duplicateRate) {
                // A re-delivery: the same event again, arriving later (up to a day later).
                arrivals.add(new Arrival(CostEvent.newBuilder(event).build(), at + random.nextInt(86_400_000)));
            }
        }
        arrivals.sort(Comparator.comparingLong(Arrival::arrivesAt));
        return new CostWorkload(distinct, arrivals.stream().map(Arrival::event).toList());
    }

    /** Expected sums of the distinct events under a grouping key. */
    static Map<String, long[]> sums(List<CostEvent> events, java.util.function.Function<CostEvent, String> key) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (CostEvent e : events) {
            long[] s = out.computeIfAbsent(key.apply(e), k -> new long[4]);
            s[0]++;
            s[1] += e.getCostMicros();
            s[2] += e.getSavedMicros();
            s[3] += e.getCacheHit() ? 1 : 0;
        }
        return out;
    }
}
