package dev.sluice.ingest;

/**
 * One admitted request, as the admitted-requests store keeps it: its requestId is remembered for dedupe for the
 * horizon after {@code admittedAt}, and its worst case is held against the user's budget until its cost event
 * arrives ({@link Status#OUTSTANDING}). A reservation that waits longer than the TTL is released
 * ({@link Status#EXPIRED}) and remembered for a grace period, so a late cost event is still charged, once;
 * a charged one is {@link Status#SETTLED} and stays only for dedupe.
 *
 * @param status       where the money stands
 * @param amountMicros worst-case cost reserved, micro-dollars
 * @param reservedAt   the user's time at admission (monotonic per user), epoch millis; TTL and grace run from it
 * @param admittedAt   record time of the admitted request, epoch millis; the dedupe horizon runs from it
 */
record Reservation(Status status, long amountMicros, long reservedAt, long admittedAt) {

    /** Where a reservation's money stands. */
    enum Status { OUTSTANDING, EXPIRED, SETTLED }

    private static final Status[] STATUSES = Status.values();

    // reservedAt >= admittedAt (the user's time is the max of record times), so it is kept as a small delta.
    byte[] encode() {
        return new VarCodec(24).putByte(status.ordinal()).putVar(amountMicros).putVar(admittedAt)
                .putVar(reservedAt - admittedAt).toBytes();
    }

    static Reservation decode(byte[] bytes) {
        VarCodec in = new VarCodec(bytes);
        Status status = STATUSES[in.getByte()];
        long amount = in.getVar();
        long admittedAt = in.getVar();
        return new Reservation(status, amount, admittedAt + in.getVar(), admittedAt);
    }

    Reservation with(Status newStatus) {
        return new Reservation(newStatus, amountMicros, reservedAt, admittedAt);
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
