/**
 * Admission's records as bytes: llm.requests decoded into a {@link dev.sluice.ingest.wire.ReceivedRequest} that keeps
 * its bytes when they can be reused, llm.requests.admitted written by copying them
 * ({@link dev.sluice.ingest.wire.AdmittedSerializer}), and undecodable records sent to llm.dlq
 * ({@link dev.sluice.ingest.wire.DeadLetterHandler}). Uses nothing else of the ingest module.
 */
package dev.sluice.ingest.wire;
