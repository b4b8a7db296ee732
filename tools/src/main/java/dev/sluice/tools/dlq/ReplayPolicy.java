package dev.sluice.tools.dlq;

import java.util.Set;

import dev.sluice.common.DeadLetterError;

/**
 * Decides, per letter, whether replay may send it back: only to a Sluice topic a stage consumes (never the
 * admission input {@code llm.requests}, never the DLQ itself), only below the replay limit, and only once.
 *
 * @param admissionInput the prefixed name of {@code llm.requests}
 * @param targets        the prefixed topics replay may write to
 * @param maxReplays     a letter that has been replayed this many times is refused
 * @param alreadyReplayed ledger keys ({@link ReplayLedger#keyOf}) of letters replayed before
 * @param acceptRepay    the operator accepts that letters whose call may already have been billed are paid again
 */
public record ReplayPolicy(String admissionInput, Set<String> targets, int maxReplays, Set<String> alreadyReplayed,
                           boolean acceptRepay) {
    /**
     * Error classes of calls that may have reached the provider and been billed, with no result published:
     * {@code OUTCOME_UNKNOWN} (reset or timeout after the request was sent; {@code TIMEOUT} in older letters),
     * {@code SERVER_ERROR} (a 5xx after the provider may have run it) and {@code MALFORMED_RESPONSE} (an answer
     * was produced, and billed, but could not be read). Replaying them may pay a second time.
     */
    public static final Set<DeadLetterError> MAY_HAVE_BEEN_BILLED = Set.of(DeadLetterError.OUTCOME_UNKNOWN, DeadLetterError.SERVER_ERROR,
            DeadLetterError.MALFORMED_RESPONSE);

    public ReplayPolicy(String admissionInput, Set<String> targets, int maxReplays, Set<String> alreadyReplayed) {
        this(admissionInput, targets, maxReplays, alreadyReplayed, false);
    }

    /** What happens to one letter. */
    public enum Outcome {
        REPLAY("replayed"),
        ALREADY_REPLAYED("skipped, already replayed (see the ledger; --again overrides)"),
        REFUSED_ADMISSION_INPUT("refused: failed at admission input llm.requests, which is bad input (undecodable or invalid)"
                + " that would fail again; fix the producer and send a new request"),
        REFUSED_LIMIT("refused: replay limit reached"),
        REFUSED_UNKNOWN_TOPIC("refused: original topic is not a Sluice stage input under this prefix"),
        REFUSED_MAY_REPAY("refused: the provider may already have run and billed this call (its outcome is unknown), so replaying "
                + "it may pay twice; check the provider's usage for the request, then pass --accept-repay to send it anyway");

        private final String label;

        Outcome(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Outcome decide(Letter letter) {
        String topic = letter.view().getOriginalTopic();
        if (topic.equals(admissionInput)) {
            return Outcome.REFUSED_ADMISSION_INPUT;
        }
        if (!targets.contains(topic)) {
            return Outcome.REFUSED_UNKNOWN_TOPIC;
        }
        if (letter.view().getReplayCount() >= maxReplays) {
            return Outcome.REFUSED_LIMIT;
        }
        if (alreadyReplayed.contains(ReplayLedger.keyOf(letter))) {
            return Outcome.ALREADY_REPLAYED;
        }
        if (!acceptRepay && DeadLetterError.parse(letter.view().getErrorClass()).filter(MAY_HAVE_BEEN_BILLED::contains).isPresent()) {
            return Outcome.REFUSED_MAY_REPAY;
        }
        return Outcome.REPLAY;
    }
}
