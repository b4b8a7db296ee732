package dev.sluice.ingest;

/**
 * One admitted request's money held against its user's budget until its cost event arrives. A reservation
 * that waits longer than the TTL is released ({@link #expired()}) and remembered for a grace period, so a
 * late cost event is still charged, once.
 *
 * @param amountMicros worst-case cost reserved, micro-dollars
 * @param reservedAt   record time of admission, epoch millis
 * @param expired      true once released by expiry
 */
record Reservation(long amountMicros, long reservedAt, boolean expired) {

    byte[] encode() {
        return new VarCodec(16).putByte(expired ? 1 : 0).putVar(amountMicros).putVar(reservedAt).toBytes();
    }

    static Reservation decode(byte[] bytes) {
        VarCodec in = new VarCodec(bytes);
        boolean expired = in.getByte() == 1;
        return new Reservation(in.getVar(), in.getVar(), expired);
    }

    Reservation expire() {
        return new Reservation(amountMicros, reservedAt, true);
    }

    /** The reservation store's key: userId first, so one user's reservations are one prefix scan. */
    static String key(String userId, String requestId) {
        return userId + '|' + requestId;
    }

    /** The prefix of all of a user's keys ({@code |} cannot occur in a valid userId). */
    static String prefix(String userId) {
        return userId + '|';
    }

    static String userOf(String key) {
        return key.substring(0, key.indexOf('|'));
    }
}
