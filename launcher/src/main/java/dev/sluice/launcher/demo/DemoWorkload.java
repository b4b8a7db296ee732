package dev.sluice.launcher.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import dev.sluice.common.demo.ProviderOutage;
import dev.sluice.launcher.load.Requests;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.UserPolicy;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo's sample workload, in phases that each show one feature: users on several tiers (policies on
 * {@code llm.user-policies}); steady traffic over a small prompt pool (so the embedding and response caches
 * answer repeats); a burst that trips a rate limit; a user that exhausts a tiny daily budget; a duplicate;
 * an invalid request; one malformed record (not Avro) that must end in {@code llm.dlq}; and a provider
 * outage window (see {@link ProviderOutage}).
 */
public final class DemoWorkload {
    /** The user whose burst trips the rate limit (STARTER with 5 requests per minute). */
    public static final String BURST_USER = "erin";
    /** The user whose tiny daily budget runs out. */
    public static final String BUDGET_USER = "dave";
    /** Daily budget of {@link #BUDGET_USER}, micro-dollars: about three worst-case requests of 1,000 output tokens. */
    public static final long BUDGET_USER_MICROS = 2_000;
    /** The user whose requests meet the provider outage (PRO: neither quota nor rate limit gets in the way). */
    public static final String OUTAGE_USER = "oscar";
    /** The user whose duplicate and invalid requests are rejected as such (not first as over a limit). */
    public static final String BAD_INPUT_USER = "frank";
    private static final List<String> STEADY_USERS = List.of("alice", "bob", "carol");
    /**
     * The global ceiling's spenders: several users (so their requests reach several admission partitions), each allowed
     * plenty on its own, who together ask for more than one minute's global ceiling.
     */
    public static final List<String> SPENDERS = List.of("sam", "sasha", "sky", "sol", "stevie", "sunny");
    /** The spenders' model and output tokens: gpt-4o at $10 per million output tokens, about 10,000 µ$ worst case each. */
    public static final String SPENDER_MODEL = "gpt-4o";
    public static final int SPENDER_OUTPUT_TOKENS = 1_000;
    private static final List<String> PROMPTS = List.of(
            "Summarise our refund policy in two sentences.",
            "Translate 'good morning' into French, Spanish and German.",
            "Write a haiku about message queues.",
            "List three risks of retrying a paid API call.",
            "Explain exactly-once delivery to a new engineer.",
            "Suggest a name for a traffic controller for LLM calls.");

    private final TopicCatalog catalog;
    private final Map<String, Object> kafka;
    /** requestId → createdAt millis of every request sent (valid or not), for the observer. */
    private final Map<String, Long> sent = new ConcurrentHashMap<>();
    private int malformed;
    private int duplicates;

    public DemoWorkload(TopicCatalog catalog, Map<String, Object> kafkaProperties) {
        this.catalog = catalog;
        this.kafka = kafkaProperties;
    }

    /** The users of a run of {@code users} users: the five named ones, then {@code user-6…}. */
    public static List<String> steadyUsers(int users) {
        List<String> out = new ArrayList<>(STEADY_USERS);
        for (int i = STEADY_USERS.size() + 2; i < users; i++) {
            out.add("user-" + (i + 1));
        }
        return out;
    }

    /** Publishes the user policies: tiers for the steady users, a low rate for the burst user, a tiny budget for the budget user. */
    public void publishPolicies(int users) {
        Instant now = Instant.now();
        List<UserPolicy> policies = new ArrayList<>(List.of(
                Requests.policy("alice", "PRO", null, null, null, null, now),
                Requests.policy("bob", "STARTER", null, null, null, null, now),
                Requests.policy("carol", "FREE", null, null, null, null, now),
                Requests.policy(BURST_USER, "STARTER", 5, null, null, null, now),
                Requests.policy(BUDGET_USER, "PRO", null, null, null, BUDGET_USER_MICROS, now),
                Requests.policy(OUTAGE_USER, "PRO", null, null, null, null, now)));
        for (String user : SPENDERS) { // each far inside its own limits: only the global ceiling stops them
            policies.add(Requests.policy(user, "PRO", 1_000, 10_000, 1_000_000_000L, 100_000_000L, now));
        }
        for (String user : steadyUsers(users).subList(STEADY_USERS.size(), steadyUsers(users).size())) {
            policies.add(Requests.policy(user, "STARTER", null, null, null, null, now));
        }
        try (KafkaProducer<String, UserPolicy> producer = new KafkaProducer<>(producerProperties(),
                catalog.userPolicies().keySerde().serializer(), catalog.userPolicies().valueSerde().serializer())) {
            policies.forEach(p -> producer.send(new ProducerRecord<>(catalog.userPolicies().name(), p.getUserId(), p)));
            producer.flush();
        }
    }

    /**
     * Steady traffic: {@code count} requests round-robin over the steady users and the prompt pool, ~{@code perSecond}/s.
     * The first pass over the pool is sent alone and {@code settle} waits for it to finish, so every later repeat
     * finds its embedding and its response in the caches (not still in flight in the same batch).
     */
    public void steady(int count, int users, int perSecond, Runnable settle) throws InterruptedException {
        List<String> steadyUsers = steadyUsers(users);
        int warm = Math.min(count, PROMPTS.size());
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            for (int i = 0; i < count; i++) {
                if (i == warm) {
                    producer.flush();
                    settle.run();
                }
                send(producer, Requests.request(steadyUsers.get(i % steadyUsers.size()), Requests.DEFAULT_MODEL,
                        PROMPTS.get(i % PROMPTS.size()), 200, Instant.now()));
                TimeUnit.MILLISECONDS.sleep(1000L / perSecond);
            }
        }
    }

    /**
     * A provider outage: the switch goes on, the outage user sends {@code count} prompts no cache can answer (so
     * they reach the provider, fail, and trip the breaker), and after {@code length} the switch goes off again.
     * The requests wait while the breaker is open and complete once it lets calls through again.
     */
    public void outage(ProviderOutage outage, int count, Duration length) throws InterruptedException {
        outage(outage, count, length, Duration.ZERO, ids -> true);
    }

    /**
     * As {@link #outage(ProviderOutage, int, Duration)}, but after {@code length} the outage lasts until
     * {@code ended} says the outage requests (their ids) all ended, at most {@code atMost} more: with a fallback
     * chain they complete on the fallback while the primary is still down, however long they took to get there.
     */
    public void outage(ProviderOutage outage, int count, Duration length, Duration atMost, Predicate<List<String>> ended)
            throws InterruptedException {
        if (!outage.supported()) {
            return;
        }
        outage.begin();
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                LlmRequest request = Requests.request(OUTAGE_USER, Requests.DEFAULT_MODEL,
                        "Outage question " + i + " (" + UUID.randomUUID() + "): is the provider up?", 50, Instant.now());
                ids.add(request.getRequestId());
                send(producer, request);
            }
            producer.flush();
            TimeUnit.MILLISECONDS.sleep(length.toMillis());
            long deadline = System.nanoTime() + atMost.toNanos();
            while (!ended.test(ids) && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } finally {
            outage.end();
        }
    }

    /**
     * The spenders ask for more than the global spend ceiling allows in a minute: {@code waves} waves, {@code pause}
     * apart, of {@code perUser} requests from each spender ({@link #SPENDER_MODEL}, {@value #SPENDER_OUTPUT_TOKENS}
     * output tokens). Admission takes each worst case from its partition's lease of the ceiling; what does not fit is
     * refused {@code GLOBAL_BUDGET_EXCEEDED}. Run it last: the rest of the minute is refused for everyone.
     */
    public void overCeiling(int waves, int perUser, Duration pause) throws InterruptedException {
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            for (int w = 0; w < waves; w++) {
                for (String user : SPENDERS) {
                    for (int i = 0; i < perUser; i++) {
                        send(producer, Requests.request(user, SPENDER_MODEL, "Write a report, part " + w + "." + i + " ("
                                + UUID.randomUUID() + ").", SPENDER_OUTPUT_TOKENS, Instant.now()));
                    }
                }
                producer.flush();
                TimeUnit.MILLISECONDS.sleep(pause.toMillis());
            }
        }
    }

    /** The burst user sends {@code count} requests at once: more than its 5 per minute. */
    public void burst(int count) {
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            for (int i = 0; i < count; i++) {
                send(producer, Requests.request(BURST_USER, Requests.DEFAULT_MODEL, "Burst question " + i + ": what time is it?", 50,
                        Instant.now()));
            }
        }
    }

    /** The budget user sends {@code count} expensive requests (1,000 output tokens each) against a ~3-request budget. */
    public void overBudget(int count) {
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            for (int i = 0; i < count; i++) {
                send(producer, Requests.request(BUDGET_USER, Requests.DEFAULT_MODEL, "Write a long essay, part " + i + ".", 1_000,
                        Instant.now()));
            }
        }
    }

    /** A duplicate of an earlier request (same requestId), an invalid request (unknown model), and one malformed record. */
    public void badInput() {
        try (KafkaProducer<String, LlmRequest> producer = requestProducer()) {
            LlmRequest first = Requests.request(BAD_INPUT_USER, Requests.DEFAULT_MODEL, "Is this sent twice?", 50, Instant.now());
            send(producer, first);
            producer.flush();
            producer.send(new ProducerRecord<>(catalog.requests().name(), first.getUserId(), first));
            duplicates++;
            send(producer, Requests.request(BAD_INPUT_USER, "no-such-model-9000", "Which model am I?", 50, Instant.now()));
        }
        try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(producerProperties(), new ByteArraySerializer(),
                new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(catalog.requests().name(), "mallory".getBytes(StandardCharsets.UTF_8),
                    "{\"this\": \"is not avro\"}".getBytes(StandardCharsets.UTF_8)));
            raw.flush();
        }
        malformed++;
    }

    private void send(KafkaProducer<String, LlmRequest> producer, LlmRequest request) {
        sent.put(request.getRequestId(), request.getCreatedAt().toEpochMilli());
        producer.send(new ProducerRecord<>(catalog.requests().name(), request.getUserId(), request));
    }

    /** requestId → createdAt of every request sent with a valid encoding. */
    public Map<String, Long> sent() {
        return sent;
    }

    /** Records sent that are not Avro at all (each must end as a dead letter without a requestId). */
    public int malformed() {
        return malformed;
    }

    /** Terminal outcomes to wait for: one per request, one per duplicate, one dead letter per malformed record. */
    public int expectedOutcomes() {
        return sent.size() + duplicates + malformed;
    }

    private KafkaProducer<String, LlmRequest> requestProducer() {
        return new KafkaProducer<>(producerProperties(), catalog.requests().keySerde().serializer(),
                catalog.requests().valueSerde().serializer());
    }

    private Map<String, Object> producerProperties() {
        Map<String, Object> props = new HashMap<>(kafka);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        return props;
    }
}
