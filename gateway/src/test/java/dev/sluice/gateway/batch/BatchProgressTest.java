package dev.sluice.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import dev.sluice.gateway.Fixtures;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.schema.RejectReason;
import org.junit.jupiter.api.Test;

/**
 * Outcomes reach a batch at least once: a reply router that dies re-copies what it had not committed (up to its commit
 * interval), and a survivor rebuilding a batch reads the outcome topics again. Reading one twice must change nothing.
 */
class BatchProgressTest {
    private final BatchProgress batch = new BatchProgress("batch_1", "u", new String[] {"a", "b", "c"}, new String[3]);

    @Test
    void shouldCountALineOnceWhenItsOutcomeIsReadTwice() {
        Outcome first = new Outcome.Completed(Fixtures.result("u", BatchProgress.requestId("batch_1", 0), "answer"));
        batch.offer(0, first);
        batch.offer(0, new Outcome.Completed(Fixtures.result("u", BatchProgress.requestId("batch_1", 0), "answer")));

        assertThat(batch.settled()).isEqualTo(1);
        assertThat(batch.completed()).isEqualTo(1);
        assertThat(batch.outcome(0)).isSameAs(first);
    }

    @Test
    void shouldKeepAResultWhenAnOlderRejectionOfTheSameLineIsReadAgainAfterIt() {
        String id = BatchProgress.requestId("batch_1", 1);
        batch.offer(1, new Outcome.Rejected(Fixtures.rejected("u", id, RejectReason.RATE_LIMITED, null, "r", 1000L, Instant.EPOCH)));
        Outcome result = new Outcome.Completed(Fixtures.result("u", id, "answer"));
        batch.offer(1, result);
        batch.offer(1, new Outcome.Rejected(Fixtures.rejected("u", id, RejectReason.RATE_LIMITED, null, "r", 1000L, Instant.EPOCH)));

        assertThat(batch.outcome(1)).isSameAs(result);
        assertThat(batch.settled()).isEqualTo(1);
    }
}
