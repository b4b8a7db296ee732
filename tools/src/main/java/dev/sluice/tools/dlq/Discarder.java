package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.contracts.Topic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Gives dead letters up for good. A letter of a request past admission (consumed from llm.requests.admitted or
 * llm.requests.enriched) still holds its reservation, since reservations end only with their request's outcome; its
 * discard publishes that outcome, a RELEASED cost event on llm.costs, so admission frees the money. Every discarded
 * letter is written to the replay ledger in the same transaction, so a later replay skips it. A letter already in the
 * ledger (replayed: its request is back in the pipeline and will end with its own outcome) is left alone.
 */
public final class Discarder {
    /** Letters per transaction. */
    static final int BATCH = 1000;
    /** The {@code provider} of a release: who ended the reservation. */
    public static final String RELEASED_BY = "dlq-discard";
    /**
     * Error class of a letter whose call may have reached the provider (reset or timeout after sending): it may have been
     * billed, and no cost event will ever come for it, so releasing its reservation would hide a charge.
     */
    public static final String OUTCOME_UNKNOWN = dev.sluice.common.DeadLetterError.OUTCOME_UNKNOWN.name();

    private final Map<String, Object> producerProps;
    private final Topic<String, CostEvent> costs;
    private final Set<String> reservedTopics;
    private final ReplayLedger ledger;
    private final Clock clock;
    private final boolean notBilled;

    /**
     * @param reservedTopics topics whose letters hold a reservation (llm.requests.admitted and llm.requests.enriched,
     *                       prefixed)
     * @param notBilled      the operator checked that OUTCOME_UNKNOWN letters were not billed: release them too
     */
    public Discarder(Map<String, Object> kafkaClientProps, String prefix, Topic<String, CostEvent> costs, Set<String> reservedTopics,
                     ReplayLedger ledger, Clock clock, boolean notBilled) {
        this.producerProps = new HashMap<>(kafkaClientProps);
        producerProps.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "sluice-dlq-discarder");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        this.costs = costs;
        this.reservedTopics = Set.copyOf(reservedTopics);
        this.ledger = ledger;
        this.clock = clock;
        this.notBilled = notBilled;
    }

    /** What discarding a letter does. */
    enum Action {
        /** Discard it and release its request's reservation. */
        RELEASE,
        /** Discard it; it holds no reservation (it failed before admission, or is not a request). */
        DISCARD,
        /** Leave it: replayed or discarded before. */
        SKIP,
        /** Leave it: its call may have been billed (OUTCOME_UNKNOWN) and the operator did not say it was not. */
        REFUSE
    }

    Action decide(Letter letter, Set<String> inLedger) {
        if (inLedger.contains(ReplayLedger.keyOf(letter))) {
            return Action.SKIP;
        }
        boolean holdsReservation = reservedTopics.contains(letter.view().getOriginalTopic())
                && letter.view().getUserId() != null && letter.view().getRequestId() != null;
        if (holdsReservation && !notBilled && OUTCOME_UNKNOWN.equals(dev.sluice.common.DeadLetterError.canonical(letter.view().getErrorClass()))) {
            return Action.REFUSE;
        }
        return holdsReservation ? Action.RELEASE : Action.DISCARD;
    }

    /** Discards {@code letters} (unless {@code dryRun}); one line per letter to {@code out}. Returns counts per action. */
    public Map<Action, Integer> discard(List<Letter> letters, Set<String> inLedger, boolean dryRun, PrintWriter out) {
        Map<Action, Integer> counts = new java.util.EnumMap<>(Action.class);
        List<Letter> chosen = new ArrayList<>();
        for (Letter letter : letters) {
            Action action = decide(letter, inLedger);
            counts.merge(action, 1, Integer::sum);
            String verb = switch (action) {
                case RELEASE -> "discard and release the reservation of";
                case DISCARD -> "discard (no reservation held)";
                case SKIP -> "skip (already replayed or discarded)";
                case REFUSE -> "refuse (outcome unknown: the provider may have billed it; check, then use --not-billed)";
            };
            out.printf("%s%s %s user=%s request=%s original=%s%n", dryRun ? "would " : "", verb, letter.coordinates(),
                    letter.view().getUserId(), letter.view().getRequestId(), letter.view().getOriginalTopic());
            if (action == Action.RELEASE || action == Action.DISCARD) {
                chosen.add(letter);
            }
        }
        if (!dryRun && !chosen.isEmpty()) {
            send(chosen, inLedger);
        }
        out.flush();
        return counts;
    }

    private void send(List<Letter> letters, Set<String> inLedger) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            for (int from = 0; from < letters.size(); from += BATCH) {
                producer.beginTransaction();
                try {
                    for (Letter letter : letters.subList(from, Math.min(from + BATCH, letters.size()))) {
                        Instant now = clock.instant();
                        if (decide(letter, inLedger) == Action.RELEASE) {
                            producer.send(release(letter, now));
                        }
                        producer.send(ledgerEntry(letter, now));
                    }
                    producer.commitTransaction();
                } catch (KafkaException e) {
                    try {
                        producer.abortTransaction();
                    } catch (KafkaException ignored) {
                        // fenced or closed: the broker aborts the open transaction itself
                    }
                    throw new IllegalStateException("discard stopped after " + from + " of " + letters.size()
                            + " letters; the failed batch was rolled back, run the same discard again to continue: " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * The outcome that ends {@code userId}'s reservation for {@code requestId} without a charge: a RELEASED cost event
     * (cost 0) by {@code releasedBy}, holding {@code reservedMicros} (0 if unknown). Every operator release is one.
     */
    public static CostEvent releasedEvent(String requestId, String userId, String releasedBy, long reservedMicros, Instant at) {
        return CostEvent.newBuilder().setRequestId(requestId).setUserId(userId).setModel("").setProvider(releasedBy)
                .setInputTokens(0).setOutputTokens(0).setCostMicros(0).setReservedMicros(reservedMicros).setOccurredAt(at)
                .setKind(CostKind.RELEASED).build();
    }

    private ProducerRecord<byte[], byte[]> release(Letter letter, Instant now) {
        String user = letter.view().getUserId();
        CostEvent event = releasedEvent(letter.view().getRequestId(), user, RELEASED_BY, 0, now);
        return new ProducerRecord<>(costs.name(), user.getBytes(StandardCharsets.UTF_8),
                costs.valueSerde().serializer().serialize(costs.name(), event));
    }

    private ProducerRecord<byte[], byte[]> ledgerEntry(Letter letter, Instant now) {
        String value = "{\"discardedAt\":\"" + now + "\",\"released\":" + (decide(letter, Set.of()) == Action.RELEASE) + "}";
        return new ProducerRecord<>(ledger.topic(), ReplayLedger.keyOf(letter).getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8));
    }
}
