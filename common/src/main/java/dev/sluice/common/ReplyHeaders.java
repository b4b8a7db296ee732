package dev.sluice.common;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The reply address of a request: an opaque header a caller may put on a record of {@code llm.requests} and that
 * every stage copies, unchanged, onto whatever it writes for that request: the admitted record and a rejection
 * (ingest), the enriched record and a dead letter (enrichment), the result and a dead letter (generation). So a
 * caller waiting for an outcome can have it routed back to itself (the Kafka request-reply pattern) without the
 * stages knowing who asked. Stages never read the value; today the gateway writes it (see gateway/README.md).
 */
public final class ReplyHeaders {
    /** Header carrying the caller's reply address; copied verbatim from request to every outcome. */
    public static final String REPLY_TO = "sluice.reply.to";

    private ReplyHeaders() {}

    /** Copies the reply header(s) of {@code from}, if any, onto {@code to}; returns {@code to}. */
    public static Headers copy(Headers from, Headers to) {
        if (from != null) {
            for (Header h : from.headers(REPLY_TO)) {
                to.add(h);
            }
        }
        return to;
    }

    /** New headers holding only the reply header(s) of {@code from}: empty when there is none. */
    public static Headers of(Headers from) {
        return copy(from, new RecordHeaders());
    }
}
