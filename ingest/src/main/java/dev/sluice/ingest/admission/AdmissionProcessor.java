package dev.sluice.ingest.admission;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.sluice.common.ModelPrice;
import dev.sluice.common.ReplyHeaders;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.TierLimits;
import dev.sluice.ingest.ceiling.CeilingTopology;
import dev.sluice.ingest.ceiling.GlobalCeiling;
import dev.sluice.ingest.rules.Policies;
import dev.sluice.ingest.rules.RequestValidator;
import dev.sluice.ingest.rules.TokenBound;
import dev.sluice.ingest.rules.Violation;
import dev.sluice.ingest.wire.Admission;
import dev.sluice.ingest.wire.ReceivedRequest;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.UserPolicy;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The admission decision for one request, in order, first failure decides: INVALID, DUPLICATE,
 * RATE_LIMITED, QUOTA_EXCEEDED, REQUEST_TOO_EXPENSIVE, BUDGET_EXCEEDED, GLOBAL_BUDGET_EXCEEDED (only with a
 * {@link GlobalCeiling}); else admit and reserve the worst case. Runs in the task owning the user's partition, the
 * single writer of the user's state. Time is the record time, which is broker time: llm.requests has
 * {@code message.timestamp.type=LogAppendTime} (checked at start by {@link BrokerTimePreflight}), so a producer cannot choose the minute, the UTC day or the horizon a
 * request counts in. It is made monotonic per user (a record older than the user's newest admission is judged at
 * that newest time, so the window never runs backwards). {@code createdAt} serves latency metrics only.
 */
final class AdmissionProcessor implements Processor<String, ReceivedRequest, String, Object> {
    /**
     * Entries of the admitted-requests store read per step into the task's {@link HeldAges} when it starts (only those of
     * the users whose money is held), one step per {@link #HELD_AGES_STEP_INTERVAL}: ~16-19 ms of the stream thread a step
     * when every user and entry is held (0.79-0.94 µs an entry, one range a user of 22 entries, {@code FullHorizonBenchmark}).
     */
    static final int HELD_AGES_STEP_ENTRIES = 20_000;
    static final Duration HELD_AGES_STEP_INTERVAL = Duration.ofMillis(100);
    private final IngestConfig config;
    private final AdmissionMetrics metrics;
    private final RequestValidator validator;
    private final Policies policies;
    private final long horizonMs;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, byte[]> users;
    private KeyValueStore<String, byte[]> windows;
    private final PolicyCache.Changes policyChanges;
    private PolicyCache policyCache;
    private ReservationLedger ledger;
    private final int partitions;
    private GlobalCeiling ceiling;
    private CommitPacer pacer;
    /** What {@link #init} scheduled: cancelled in {@link #close}, see there. */
    private final List<Cancellable> schedules = new ArrayList<>();

    AdmissionProcessor(IngestConfig config, AdmissionMetrics metrics, int partitions, PolicyCache.Changes policyChanges) {
        this.policyChanges = policyChanges;
        this.partitions = partitions;
        this.config = config;
        this.metrics = metrics;
        this.validator = new RequestValidator(config);
        this.policies = new Policies(config);
        this.horizonMs = config.dedupeHorizon().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        users = context.getStateStore(AdmissionTopology.USER_STATE_STORE);
        windows = context.getStateStore(AdmissionTopology.USER_WINDOW_STORE);
        KeyValueStore<String, UserPolicy> policyStore = context.getStateStore(AdmissionTopology.POLICIES_STORE);
        policyCache = new PolicyCache(policyStore::get, policies, policyChanges, config.policyCacheUsers());
        HeldMoney held = metrics.held(context.taskId().toString());
        held.recount(users); // the task's users as restored (the same read the sweep makes every interval), and whose money is held
        ledger = new ReservationLedger(context.getStateStore(AdmissionTopology.REQUESTS_STORE), users, windows, config, held);
        // When the held reservations were admitted: their users' entries read in steps between records, the first one now.
        if (!ledger.readHeldAges(HELD_AGES_STEP_ENTRIES)) {
            Cancellable[] reading = new Cancellable[1];
            reading[0] = schedule(HELD_AGES_STEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, tick -> {
                if (ledger.readHeldAges(HELD_AGES_STEP_ENTRIES)) {
                    reading[0].cancel();
                }
            });
        }
        // Stream time is broker time here (LogAppendTime inputs), so no producer can push it ahead; and the sweep
        // only forgets settled entries past the horizon, never a held reservation.
        schedule(config.sweepInterval(), PunctuationType.STREAM_TIME, ledger::sweep);
        if (config.pacesCommits()) {
            // Caught up: commit every fresh interval that saw a fresh record; in a backlog: at the long interval only.
            pacer = new CommitPacer(CommitPacer.BACKLOG_FACTOR * config.commitInterval().toMillis(), config.freshCommitInterval().toMillis(),
                    CommitPacer.PER_THREAD::get);
            schedule(config.freshCommitInterval(), PunctuationType.WALL_CLOCK_TIME, tick -> {
                if (pacer.commitDue(tick)) {
                    metrics.earlyCommit();
                    context.commit();
                }
            });
        }
        if (config.ceiling().enabled()) {
            ceiling = new GlobalCeiling(config.ceiling(), partitions, context.taskId().partition(),
                    context.getStateStore(CeilingTopology.TASK_LEASE_STORE), m -> context.forward(new Record<String, Object>(
                            Integer.toString(m.partition()), m, context.currentSystemTimeMs()), CeilingTopology.LEASE_REQUEST_SINK),
                    context::currentSystemTimeMs);
            schedule(config.ceiling().returnIdle(), PunctuationType.WALL_CLOCK_TIME, ceiling::returnIdle);
        }
    }

    private Cancellable schedule(Duration interval, PunctuationType type, Punctuator punctuator) {
        Cancellable c = context.schedule(interval, type, punctuator);
        schedules.add(c);
        return c;
    }

    /**
     * Cancels what {@link #init} scheduled. Kafka Streams closes a task's processors when it suspends it or closes it
     * dirty, and runs {@code init} again on the task it resumes (revoked and given back in one rebalance) or revives (its
     * state found corrupt), but never clears the task's schedules (4.3): without this the closed processor's punctuators
     * would keep running beside the new one's, on a ledger and counts the task no longer uses.
     */
    @Override
    public void close() {
        schedules.forEach(Cancellable::cancel);
        schedules.clear();
    }

    @Override
    public void process(Record<String, ReceivedRequest> record) {
        ReceivedRequest received = record.value();
        long at = record.timestamp();
        if (pacer != null) {
            pacer.processed(at, context.currentSystemTimeMs());
        }
        // The caller's reply address (if any) goes on whatever this request produces: admitted or rejected.
        Headers reply = ReplyHeaders.of(record.headers());
        if (received == null) {
            reject(record.key(), at, Rejections.nullValue(record.key(), at), reply);
            return;
        }
        LlmRequest request = received.request();
        Optional<Violation> violation = validator.check(record.key(), request, received.sizeBytes());
        if (violation.isPresent()) {
            Violation v = violation.get();
            reject(request, at, RejectReason.INVALID, v.field(), v.rule(), v.field() + ": " + v.rule(), null, reply);
            return;
        }
        Reservation previous = ledger.find(request.getUserId(), request.getRequestId());
        if (ledger.isDuplicate(previous, at)) {
            reject(request, at, RejectReason.DUPLICATE, "requestId",
                    "unique per user while its reservation is held and for " + horizonMs + " ms after",
                    "this requestId was already admitted; its result will follow", null, reply);
            return;
        }
        decide(received, at, reply);
    }

    private void decide(ReceivedRequest received, long at, Headers reply) {
        LlmRequest request = received.request();
        String userId = request.getUserId();
        UserState state = UserState.decode(users.get(userId));
        WindowChunks chunks = WindowChunks.of(windows, userId);
        long now = Math.max(at, state.newestAt());
        state.rollTo(UserState.dayOf(now));
        boolean unsealed = state.prune(now, chunks);
        boolean dirty = ledger.maintain(userId, state, now) || unsealed;
        Policies.Resolved policy = policyCache.resolve(userId);
        TierLimits limits = policy.limits();
        long inputTokens = TokenBound.inputTokens(request.getMessages());
        long estimatedTokens = inputTokens + request.getMaxOutputTokens();

        RejectedRequest rejection = null;
        RateLimit.Limited limited = RateLimit.check(state, now, limits, estimatedTokens, chunks);
        ModelPrice price = config.models().price(request.getModel()).orElseThrow();
        long worstCase = price.costMicros(inputTokens, request.getMaxOutputTokens());
        if (limited != null) {
            Long retry = limited.retryAfterMs() == null ? null : Math.max(0, limited.retryAfterMs() + (now - at));
            rejection = Rejections.of(request, at, RejectReason.RATE_LIMITED, null, limited.rule(),
                    "over " + limited.rule() + " for tier " + policy.tier(), retry);
        } else if (state.requestsToday >= limits.requestsPerDay()) {
            long nextMidnight = (state.day + 1) * UserState.DAY_MS;
            rejection = Rejections.of(request, at, RejectReason.QUOTA_EXCEEDED, null,
                    "requests per UTC day " + limits.requestsPerDay(),
                    "daily quota of tier " + policy.tier() + " used up; it resets at " + Instant.ofEpochMilli(nextMidnight),
                    Math.max(0, nextMidnight - at));
        } else if (worstCase > config.maxRequestCostMicros()) {
            rejection = Rejections.of(request, at, RejectReason.REQUEST_TOO_EXPENSIVE, null,
                    "worst-case cost at most " + config.maxRequestCostMicros() + " micro-USD per request",
                    "worst-case cost " + worstCase + " micro-USD; lower maxOutputTokens or shorten the prompt", null);
        } else if (state.spentMicros + state.reservedMicros + worstCase > limits.dailyBudgetMicros()) {
            rejection = Rejections.of(request, at, RejectReason.BUDGET_EXCEEDED, null,
                    "spent + reserved + worst case at most the daily budget " + limits.dailyBudgetMicros() + " micro-USD",
                    "spent " + state.spentMicros + ", reserved " + state.reservedMicros + ", this request up to "
                            + worstCase + " micro-USD", null);
        } else if (ceiling != null) {
            GlobalCeiling.Refusal refused = ceiling.take(at, worstCase);
            if (refused != null) {
                rejection = Rejections.of(request, at, RejectReason.GLOBAL_BUDGET_EXCEEDED, null, refused.rule(),
                        refused.detail(), refused.retryAfterMs());
            }
        }
        if (rejection != null) {
            if (dirty) {
                users.put(userId, state.encode());
            }
            reject(userId, at, rejection, reply);
            return;
        }
        state.admit(now, estimatedTokens, chunks);
        ledger.reserve(userId, request.getRequestId(), worstCase, at, state);
        users.put(userId, state.encode());
        metrics.admitted();
        context.forward(new Record<String, Object>(userId, new Admission(received, policy.tier(), inputTokens, worstCase, at), at, reply),
                AdmissionTopology.ADMITTED_SINK);
    }

    private void reject(LlmRequest request, long at, RejectReason reason, String field, String rule, String detail, Long retry,
                        Headers reply) {
        reject(Rejections.echo(request.getUserId()), at, Rejections.of(request, at, reason, field, rule, detail, retry), reply);
    }

    private void reject(String key, long at, RejectedRequest rejection, Headers reply) {
        metrics.rejected(rejection.getReason());
        context.forward(new Record<String, Object>(key, rejection, at, reply), AdmissionTopology.REJECTED_SINK);
    }
}
