package dev.sluice.ingest.ceiling;

import java.nio.ByteBuffer;

import org.slf4j.LoggerFactory;

/**
 * A record on the lease topics (internal to ingest, so a fixed binary layout rather than a registered schema):
 * an admission task asking for a slice of a window's ceiling ({@link Kind#REQUEST}), handing unused money back
 * ({@link Kind#RETURN}), or the coordinator's answer ({@link Kind#GRANT}, possibly of 0; {@code exhausted} when the
 * window's pool could not cover the whole request).
 */
public record LeaseMessage(Kind kind, CeilingWindow window, long windowNumber, int partition, long amountMicros,
                           boolean exhausted) {
    public enum Kind { REQUEST, RETURN, GRANT }

    private static final byte VERSION = 1;
    private static final int SIZE = 1 + 1 + 1 + 4 + 8 + 8 + 1;

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).put(VERSION).put((byte) kind.ordinal()).put((byte) window.ordinal())
                .putInt(partition).putLong(windowNumber).putLong(amountMicros).put((byte) (exhausted ? 1 : 0)).array();
    }

    /**
     * Decodes a record of a lease topic, or logs why it is not a lease message and returns {@code null} (the caller
     * skips it: a stray record on a lease topic must not stop admission).
     */
    public static LeaseMessage decodeOrSkip(byte[] bytes, String topicRole) {
        try {
            return decode(bytes);
        } catch (IllegalArgumentException e) {
            LoggerFactory.getLogger(LeaseMessage.class).warn("skipping a record on the {} topic that is not a lease message: {}", topicRole, e.getMessage());
            return null;
        }
    }

    /** Decodes {@link #encode()}'s bytes; {@link IllegalArgumentException} naming what is wrong otherwise. */
    public static LeaseMessage decode(byte[] bytes) {
        if (bytes == null || bytes.length != SIZE || bytes[0] != VERSION) {
            throw new IllegalArgumentException("not a version " + VERSION + " lease message of " + SIZE + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.get();
        int kind = b.get();
        int window = b.get();
        if (kind < 0 || kind >= Kind.values().length || window < 0 || window >= CeilingWindow.values().length) {
            throw new IllegalArgumentException("unknown lease message kind " + kind + " or window " + window);
        }
        int partition = b.getInt();
        long windowNumber = b.getLong();
        long amount = b.getLong();
        boolean exhausted = b.get() == 1;
        return new LeaseMessage(Kind.values()[kind], CeilingWindow.values()[window], windowNumber, partition, amount, exhausted);
    }
}
