package dev.sluice.ingest.wire;

import dev.sluice.schema.LlmRequest;

/**
 * A decoded request, its encoded size and, when its bytes can be reused as they are, its Confluent-wire bytes: then
 * the admitted record is written by copying them instead of encoding the request again ({@link AdmittedSerializer}).
 *
 * @param request   the decoded request
 * @param wire      the record value as received, or null if it must be re-encoded (see {@link RequestDeserializer})
 * @param sizeBytes length of the record value as received, bytes (-1 if unknown)
 */
public record ReceivedRequest(LlmRequest request, byte[] wire, int sizeBytes) {

    ReceivedRequest(LlmRequest request, byte[] wire) {
        this(request, wire, wire == null ? -1 : wire.length);
    }
}
