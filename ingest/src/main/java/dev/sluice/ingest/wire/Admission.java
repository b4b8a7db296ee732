package dev.sluice.ingest.wire;

import java.time.Instant;

import dev.sluice.schema.AdmittedRequest;

/**
 * An admission decision on its way to llm.requests.admitted: the AdmittedRequest fields, plus the request's
 * received bytes when they can be copied into the output as they are.
 *
 * @param received       the request (and its reusable bytes, if any)
 * @param tier           the user's tier at admission
 * @param inputTokens    conservative bound of input tokens
 * @param reservedMicros worst case reserved, micro-dollars
 * @param admittedAt     record time of the decision, epoch millis
 */
public record Admission(ReceivedRequest received, String tier, long inputTokens, long reservedMicros, long admittedAt) {

    AdmittedRequest toAvro() {
        return new AdmittedRequest(received.request(), tier, inputTokens, reservedMicros, Instant.ofEpochMilli(admittedAt));
    }
}
