package dev.sluice.generation.ledger;

import java.util.Collection;

/** The ledger of some partitions could not be read: their records are held (never called) until it can. */
public final class LedgerUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LedgerUnavailableException(String topic, Collection<Integer> partitions, String why) {
        super("ledger " + topic + " partitions " + partitions + " unavailable: " + why, null, false, false);
    }
}
