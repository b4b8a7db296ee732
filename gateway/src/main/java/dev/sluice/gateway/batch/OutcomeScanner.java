package dev.sluice.gateway.batch;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.gateway.TopicTail;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.OutcomeDecoder;
import dev.sluice.gateway.outcome.OutcomeListener;

/**
 * Reads the outcome topics from some time ago up to their current end, once: how an instance that did not watch
 * a batch from its start (a restart, another instance) rebuilds its progress from the topics alone.
 */
public final class OutcomeScanner {
    private final Map<String, Object> kafka;
    private final OutcomeDecoder decoder;
    private final Clock clock;

    public OutcomeScanner(Map<String, Object> kafka, OutcomeDecoder decoder, Clock clock) {
        this.kafka = kafka;
        this.decoder = decoder;
        this.clock = clock;
    }

    /** Feeds every outcome of the last {@code lookbackMs} to {@code sink}; returns when the end seen at start is reached. */
    public void scan(long lookbackMs, Consumer<Outcome> sink) {
        long from = clock.millis() - lookbackMs;
        try (TopicTail tail = new TopicTail("sluice-gateway-scan", kafka, decoder.topics(),
                c -> OutcomeListener.startOffsets(c, from), r -> decoder.decode(r).ifPresent(sink))) {
            tail.start();
            if (!tail.awaitCaughtUp(Duration.ofMinutes(2))) {
                throw new IllegalStateException("could not read the outcome topics within 2 min");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading outcomes", e);
        }
    }
}
