package dev.sluice.ingest.ceiling;

/** The fixed UTC windows a global ceiling applies to; a window is {@code floorDiv(brokerTimeMs, lengthMs)}. */
public enum CeilingWindow {
    MINUTE(60_000L), DAY(86_400_000L);

    private final long lengthMs;

    CeilingWindow(long lengthMs) {
        this.lengthMs = lengthMs;
    }

    /** The window number containing broker time {@code atMs}. */
    public long of(long atMs) {
        return Math.floorDiv(atMs, lengthMs);
    }

    /** When the window after the one containing {@code atMs} starts, epoch milliseconds. */
    public long nextStart(long atMs) {
        return (of(atMs) + 1) * lengthMs;
    }

    /** Store and message key of this window's lease. */
    public String key() {
        return name();
    }
}
