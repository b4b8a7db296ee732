package dev.sluice.launcher.load;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.sluice.schema.LlmRequest;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends valid requests at a fixed rate, spread over users, and measures each one's end-to-end latency:
 * {@code createdAt} → its result visible on {@code llm.results} (read_committed). Rejections and dead
 * letters are counted, not timed.
 */
public final class LoadGenerator {
    /** What to send. {@code uniquePrompts=false} repeats a small prompt pool, so caches answer. */
    public record Plan(int ratePerSecond, int users, Duration duration, Duration drain, String model, int maxOutputTokens,
                       boolean publishPolicies, boolean uniquePrompts, String userPrefix) {}

    /** What happened. */
    public record Report(long sent, long results, long rejected, long deadLetters, LatencyHistogram latency, Duration elapsed) {
        public double throughputPerSecond() {
            return elapsed.toMillis() == 0 ? 0 : results * 1000.0 / elapsed.toMillis();
        }
    }

    private final Map<String, Object> kafka;
    private final TopicCatalog catalog;

    public LoadGenerator(Map<String, Object> kafkaProperties, TopicCatalog catalog) {
        this.kafka = kafkaProperties;
        this.catalog = catalog;
    }

    public Report run(Plan plan, PrintStream progressOut) throws InterruptedException {
        Map<String, Long> pending = new ConcurrentHashMap<>();
        LatencyHistogram latency = new LatencyHistogram();
        AtomicLong sent = new AtomicLong();
        long t0 = System.nanoTime();
        try (OutcomeWatcher watcher = new OutcomeWatcher(kafka, catalog, (outcome, value) -> {
                Long createdAt = pending.remove(outcome.requestId());
                if (createdAt != null && outcome.kind() == OutcomeWatcher.Kind.RESULT) {
                    latency.record(outcome.seenAtMillis() - createdAt);
                }
            });
             KafkaProducer<String, LlmRequest> producer = producer();
             Progress progress = new Progress(progressOut, () -> String.format(
                     "load: sent %d | results %d | rejected %d | dead letters %d | pending %d | %.0f s",
                     sent.get(), watcher.count(OutcomeWatcher.Kind.RESULT), watcher.count(OutcomeWatcher.Kind.REJECTED),
                     watcher.count(OutcomeWatcher.Kind.DEAD_LETTER), pending.size(),
                     (System.nanoTime() - t0) / 1e9))) {
            if (plan.publishPolicies()) {
                publishPolicies(plan);
                Thread.sleep(1_000); // admission reads policies from their own topic; let them land first
            }
            send(plan, producer, pending, sent);
            long drainUntil = System.nanoTime() + plan.drain().toNanos();
            while (!pending.isEmpty() && System.nanoTime() < drainUntil) {
                Thread.sleep(50);
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
            return new Report(sent.get(), watcher.count(OutcomeWatcher.Kind.RESULT), watcher.count(OutcomeWatcher.Kind.REJECTED),
                    watcher.count(OutcomeWatcher.Kind.DEAD_LETTER), latency, elapsed);
        }
    }

    private void send(Plan plan, KafkaProducer<String, LlmRequest> producer, Map<String, Long> pending, AtomicLong sent)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + plan.duration().toNanos();
        long n = 0;
        while (System.nanoTime() < end) {
            long due = (System.nanoTime() - start) * plan.ratePerSecond() / 1_000_000_000L;
            for (; n < due; n++) {
                String user = plan.userPrefix() + (n % plan.users());
                String prompt = plan.uniquePrompts() ? "load request " + n + ": summarise the quarterly report"
                        : "load prompt " + (n % 16) + ": summarise the quarterly report";
                Instant now = Instant.now();
                LlmRequest request = Requests.request(user, plan.model(), prompt, plan.maxOutputTokens(), now);
                pending.put(request.getRequestId(), now.toEpochMilli());
                producer.send(new ProducerRecord<>(catalog.requests().name(), null, now.toEpochMilli(), user, request));
                sent.incrementAndGet();
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        producer.flush();
    }

    private void publishPolicies(Plan plan) {
        try (KafkaProducer<String, dev.sluice.schema.UserPolicy> producer = new KafkaProducer<>(producerProperties(),
                catalog.userPolicies().keySerde().serializer(), catalog.userPolicies().valueSerde().serializer())) {
            Instant now = Instant.now();
            for (int u = 0; u < plan.users(); u++) {
                String user = plan.userPrefix() + u;
                producer.send(new ProducerRecord<>(catalog.userPolicies().name(), user, Requests.unlimited(user, now)));
            }
            producer.flush();
        }
    }

    private KafkaProducer<String, LlmRequest> producer() {
        return new KafkaProducer<>(producerProperties(), catalog.requests().keySerde().serializer(),
                catalog.requests().valueSerde().serializer());
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "2");
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return props;
    }

    /** The end-of-run report: counts, throughput and the latency histogram. */
    public static void print(Report report, PrintWriter out) {
        out.printf("load: sent %d, results %d, rejected %d, dead letters %d in %.1f s (%.0f results/s)%n", report.sent(),
                report.results(), report.rejected(), report.deadLetters(), report.elapsed().toMillis() / 1000.0,
                report.throughputPerSecond());
        report.latency().print(out, "end-to-end latency (createdAt → result visible on llm.results)");
    }
}
