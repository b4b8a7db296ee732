package dev.sluice.ingest;

import dev.sluice.schema.LlmRequest;

/**
 * A decoded request and, when its bytes can be reused as they are, its Confluent-wire bytes: then the
 * admitted record is written by copying them instead of encoding the request again ({@link AdmittedSerializer}).
 *
 * @param request the decoded request
 * @param wire    the record value as received, or null if it must be re-encoded (see {@link RequestDeserializer})
 */
record ReceivedRequest(LlmRequest request, byte[] wire) {}
