package dev.sluice.gateway.batch;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.schema.RejectReason;

/**
 * One batch's lines and what became of each, fed by the outcome topics. Lines are identified by deterministic
 * request ids (batch id, line number), so publishing a line twice (a resumed publisher) is the same request, and
 * any instance can rebuild this from the input file and the outcome topics alone.
 */
final class BatchProgress {
    final String batchId;
    final String userId;
    final String[] customIds;
    final String[] invalid;
    private final Outcome[] outcomes;
    private int answered;

    BatchProgress(String batchId, String userId, String[] customIds, String[] invalid) {
        this.batchId = batchId;
        this.userId = userId;
        this.customIds = customIds;
        this.invalid = invalid;
        this.outcomes = new Outcome[customIds.length];
    }

    static String requestId(String batchId, int line) {
        return UUID.nameUUIDFromBytes(("sluice-batch\u0000" + batchId + "\u0000" + line).getBytes(StandardCharsets.UTF_8)).toString();
    }

    int size() {
        return customIds.length;
    }

    /**
     * Records a line's outcome: a result always wins, a dead letter beats a rejection, a newer rejection replaces
     * an older one (a re-published line may be admitted later); a DUPLICATE only says the line was admitted before.
     */
    synchronized void offer(int line, Outcome outcome) {
        if (outcome instanceof Outcome.Rejected r && r.rejection().getReason() == RejectReason.DUPLICATE) {
            return;
        }
        Outcome previous = outcomes[line];
        if (previous instanceof Outcome.Completed || (previous instanceof Outcome.DeadLettered && outcome instanceof Outcome.Rejected)) {
            return;
        }
        if (previous == null) {
            answered++;
        }
        outcomes[line] = outcome;
    }

    synchronized Outcome outcome(int line) {
        return outcomes[line];
    }

    /** Valid lines with an outcome plus invalid lines: when this equals {@link #size()}, nothing is pending. */
    synchronized int settled() {
        int invalidCount = 0;
        for (String s : invalid) {
            if (s != null) {
                invalidCount++;
            }
        }
        return answered + invalidCount;
    }

    synchronized int completed() {
        int n = 0;
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Completed) {
                n++;
            }
        }
        return n;
    }
}
