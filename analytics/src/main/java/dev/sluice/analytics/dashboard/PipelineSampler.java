package dev.sluice.analytics.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the pipeline every refresh interval (Kafka Admin for lag and throughput, the scrape URLs for breakers,
 * latency and Redis) and keeps the latest {@link State}, so API calls never wait on Kafka or the stages, and remembers
 * the last breaker transitions it saw.
 */
final class PipelineSampler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PipelineSampler.class);
    private static final String[] BREAKER_STATES = {"CLOSED", "OPEN", "HALF_OPEN"};
    private static final int TRANSITIONS_KEPT = 20;

    /** The latest sample; lists of plain maps ready for JSON. */
    record State(Instant sampledAt, List<PipelineProbe.GroupLag> groups, List<PipelineProbe.Throughput> throughput,
                 List<Map<String, Object>> breakers, List<Map<String, Object>> transitions, List<Map<String, Object>> latency,
                 Boolean redisDegraded, Long heldMicros, Long heldUsers, Double heldOldestSeconds, List<String> scrapeUrls,
                 List<String> errors) {
        static State empty(List<String> urls) {
            return new State(null, List.of(), List.of(), List.of(), List.of(), List.of(), null, null, null, null, urls, List.of());
        }
    }

    private final PipelineProbe probe;
    private final PrometheusScrape scrape;
    private final List<String> displayUrls;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<String, String> lastBreaker = new HashMap<>();
    private final Deque<Map<String, Object>> transitions = new ArrayDeque<>();
    private volatile State state;

    PipelineSampler(PipelineProbe probe, List<String> scrapeUrls, Duration every, Clock clock) {
        this.probe = probe;
        this.scrape = new PrometheusScrape(scrapeUrls);
        this.displayUrls = scrapeUrls.stream().map(PipelineSampler::withoutCredentials).toList();
        this.clock = clock;
        this.state = State.empty(displayUrls);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sluice-dashboard-sampler");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::sample, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    State state() {
        return state;
    }

    private void sample() {
        List<String> errors = new ArrayList<>();
        PipelineProbe.Sample kafka = new PipelineProbe.Sample(List.of(), List.of());
        try {
            kafka = probe.sample();
        } catch (Exception e) {
            errors.add("kafka admin: " + e.getClass().getSimpleName());
        }
        PrometheusScrape.Result scraped = scrape.scrape();
        scraped.errors().forEach(e -> errors.add(withoutCredentials(e)));
        List<Map<String, Object>> breakers = new ArrayList<>();
        Map<String, double[]> quantiles = new TreeMap<>();
        Boolean degraded = null;
        Long heldMicros = null; // summed over the admission instances scraped; null when none is
        Long heldUsers = null;
        Double heldOldest = null; // the oldest over the admission instances; NaN while any of them does not know its own yet
        Instant now = clock.instant();
        for (PrometheusScrape.Series s : scraped.series()) {
            Map<String, String> labels = new TreeMap<>(s.labels());
            if (s.name().endsWith("_breaker_state")) {
                String name = s.name().replace("sluice_", "").replace("_breaker_state", "") + labelSuffix(labels, "quantile");
                String st = Double.isNaN(s.value()) || s.value() < 0 || s.value() > 2 ? "OTHER" : BREAKER_STATES[(int) s.value()];
                breakers.add(DashboardJson.row("name", name, "labels", labels, "state", st));
                String before = lastBreaker.put(name, st);
                if (before != null && !before.equals(st)) {
                    transitions.addFirst(DashboardJson.row("at", now.toString(), "name", name, "from", before, "to", st));
                    while (transitions.size() > TRANSITIONS_KEPT) {
                        transitions.removeLast();
                    }
                }
            } else if (s.name().equals("sluice_enrichment_degraded")) {
                degraded = (degraded != null && degraded) || s.value() >= 1;
            } else if (s.name().equals(PrometheusScrape.HELD_PREFIX + "micros")) {
                heldMicros = (heldMicros == null ? 0 : heldMicros) + Math.round(s.value());
            } else if (s.name().equals(PrometheusScrape.HELD_PREFIX + "users")) {
                heldUsers = (heldUsers == null ? 0 : heldUsers) + Math.round(s.value());
            } else if (s.name().equals(PrometheusScrape.HELD_PREFIX + "oldest_seconds")) {
                heldOldest = heldOldest == null ? s.value() : Double.isNaN(heldOldest) || Double.isNaN(s.value())
                        ? Double.NaN : Math.max(heldOldest, s.value());
            } else if (!s.name().startsWith(PrometheusScrape.HELD_PREFIX)) {
                String q = labels.remove("quantile");
                String key = s.name().replaceAll("_seconds$", "") + labelSuffix(labels, "");
                double[] v = quantiles.computeIfAbsent(key, k -> new double[] {Double.NaN, Double.NaN});
                if ("0.5".equals(q)) {
                    v[0] = s.value();
                } else if ("0.99".equals(q)) {
                    v[1] = s.value();
                }
            }
        }
        List<Map<String, Object>> latency = new ArrayList<>();
        quantiles.forEach((k, v) -> latency.add(DashboardJson.row("metric", k, "p50Ms", ms(v[0]), "p99Ms", ms(v[1]))));
        state = new State(now, kafka.groups(), kafka.throughput(), breakers, List.copyOf(transitions), latency, degraded,
                heldMicros, heldUsers, heldOldest, displayUrls, errors);
    }

    /** {@code {provider="sim",model="m"}} → {@code " sim/m"}; the process tag is left out. */
    private static String labelSuffix(Map<String, String> labels, String skip) {
        StringBuilder b = new StringBuilder();
        labels.forEach((k, v) -> {
            if (!k.equals("process") && !k.equals(skip)) {
                b.append(b.length() == 0 ? " " : "/").append(v);
            }
        });
        return b.toString();
    }

    private static Double ms(double seconds) {
        return Double.isNaN(seconds) ? null : Math.round(seconds * 10_000) / 10.0;
    }

    /** A scrape URL (or an error naming one) without any {@code user:password@} part. */
    static String withoutCredentials(String text) {
        return text.replaceAll("(https?://)[^/@\\s]*@", "$1");
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
