package dev.sluice.common;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A model's list price, in micro-dollars per million tokens (so $0.15 / 1M tokens is {@code 150_000}).
 * Costs round up to the next micro-dollar: a reservation must never be smaller than the true cost.
 */
public record ModelPrice(String model, long inputMicrosPerMillionTokens, long outputMicrosPerMillionTokens) {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public ModelPrice {
        if (inputMicrosPerMillionTokens < 0 || outputMicrosPerMillionTokens < 0) {
            throw new IllegalArgumentException("prices of " + model + " must not be negative");
        }
    }

    /** Parses a price given in USD per million tokens, e.g. {@code "0.15"}. */
    public static long usdPerMillionToMicros(String usd) {
        return new BigDecimal(usd.trim()).multiply(MILLION).setScale(0, RoundingMode.UNNECESSARY).longValueExact();
    }

    /** Cost of {@code tokens} input tokens in micro-dollars, rounded up. */
    public long inputCostMicros(long tokens) {
        return ceilDiv(Math.multiplyExact(tokens, inputMicrosPerMillionTokens), 1_000_000L);
    }

    /** Cost of {@code tokens} output tokens in micro-dollars, rounded up. */
    public long outputCostMicros(long tokens) {
        return ceilDiv(Math.multiplyExact(tokens, outputMicrosPerMillionTokens), 1_000_000L);
    }

    /** Cost of a call in micro-dollars. */
    public long costMicros(long inputTokens, long outputTokens) {
        return inputCostMicros(inputTokens) + outputCostMicros(outputTokens);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }
}
