package dev.sluice.ingest.admission;

/**
 * One admitted request, as the admitted-requests store keeps it: its requestId is remembered for dedupe for the
 * horizon after {@code admittedAt}, and its worst case is held against the user's budget for as long as the request
 * can still be called ({@link Status#OUTSTANDING}): until its CHARGED cost event ({@link Status#SETTLED}) or an
 * explicit RELEASED event ({@link Status#RELEASED}) arrives, however late. Time alone never ends a reservation.
 *
 * @param status       where the money stands
 * @param amountMicros worst-case cost reserved, micro-dollars
 * @param touchedAt    broker time of the last change (admission, charge or release), epoch millis, never before
 *                     {@code admittedAt}; a settled or released entry is kept for the horizon after it
 * @param admittedAt   broker time of the admitted request, epoch millis; the dedupe horizon runs from it
 */
record Reservation(Status status, long amountMicros, long touchedAt, long admittedAt) {

    /** Where a reservation's money stands. Ordinals are stored: append only. */
    enum Status {
        /** Held: the request may still be called. */
        OUTSTANDING,
        /** Released by the reservation TTL of earlier versions; a cost for it is still charged, like RELEASED. */
        EXPIRED,
        /** Charged by its cost event; another cost event for it is a duplicate. */
        SETTLED,
        /** Released without a charge (not called, abandoned); a cost that arrives anyway is still charged, once. */
        RELEASED
    }

    private static final Status[] STATUSES = Status.values();

    // touchedAt >= admittedAt, so it is kept as a small delta.
    byte[] encode() {
        return new VarCodec(24).putByte(status.ordinal()).putVar(amountMicros).putVar(admittedAt)
                .putVar(touchedAt - admittedAt).toBytes();
    }

    /**
     * Whether an encoded entry holds no money (charged, released or expired), read from its status byte alone (the first); an entry too short or with an
     * unknown status is left to {@link #decode} to refuse.
     */
    static boolean holdsNothing(byte[] bytes) {
        return bytes.length > 1 && bytes[0] != Status.OUTSTANDING.ordinal() && bytes[0] >= 0 && bytes[0] < STATUSES.length;
    }

    static Reservation decode(byte[] bytes) {
        VarCodec in = new VarCodec(bytes);
        Status status = STATUSES[in.getByte()];
        long amount = in.getVar();
        long admittedAt = in.getVar();
        return new Reservation(status, amount, admittedAt + in.getVar(), admittedAt);
    }

    /** This entry in {@code newStatus} since {@code at} (broker time). */
    Reservation with(Status newStatus, long at) {
        return new Reservation(newStatus, amountMicros, Math.max(at, admittedAt), admittedAt);
    }

    /** The store's key: userId first, so one user's entries are one prefix scan. */
    static String key(String userId, String requestId) {
        return userId + '|' + requestId;
    }

    /** The prefix of all of a user's keys ({@code |} cannot occur in a valid userId). */
    static String prefix(String userId) {
        return userId + '|';
    }
}
