package dev.sluice.gateway.outcome;

import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.RejectedRequest;

/** The terminal outcome of a request, from one of the three outcome topics. */
public sealed interface Outcome {
    String userId();

    String requestId();

    /** {@code llm.results}: the completion. */
    record Completed(GenerationResult result) implements Outcome {
        public String userId() { return result.getUserId(); }
        public String requestId() { return result.getRequestId(); }
    }

    /** {@code llm.requests.rejected}: admission said no. */
    record Rejected(RejectedRequest rejection) implements Outcome {
        public String userId() { return rejection.getUserId(); }
        public String requestId() { return rejection.getRequestId(); }
    }

    /** {@code llm.dlq}: a stage gave up; the message is already sanitised by the stage that wrote it. */
    record DeadLettered(String userId, String requestId, String stage, String errorClass, String message) implements Outcome {}
}
