package dev.sluice.ingest.admission;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A reservation admission holds, as seen from outside the stage: read from the admitted-requests store's changelog
 * ({@link #changelogTopic}), whose latest committed record per key is the store's entry. What the operator's
 * {@code sluice reservations} lists (tools module).
 *
 * @param userId       whose budget holds the money
 * @param requestId    the admitted request the money is held for
 * @param amountMicros the worst case reserved at admission, micro-dollars
 * @param admittedAt   broker time of the admission
 */
public record HeldReservation(String userId, String requestId, long amountMicros, Instant admittedAt) {

    /** The changelog Kafka Streams keeps of the admitted-requests store of the application {@code applicationId}. */
    public static String changelogTopic(String applicationId) {
        return applicationId + "-" + AdmissionTopology.REQUESTS_STORE + "-changelog";
    }

    /**
     * The reservation a changelog record holds, or null when it holds none: its request was charged or released, or
     * the entry was deleted (a tombstone, {@code value} null).
     *
     * @throws IllegalArgumentException if the record is not an admitted-request entry (the message names no key part)
     */
    public static HeldReservation of(byte[] key, byte[] value) {
        if (value == null) {
            return null;
        }
        if (Reservation.holdsNothing(value)) {
            return null; // its status byte (first) says it holds nothing: no need to decode the rest (most entries, on a busy day)
        }
        Reservation entry;
        try {
            entry = Reservation.decode(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an admitted-request entry: " + value.length + " bytes that do not decode", e);
        }
        if (entry.status() != Reservation.Status.OUTSTANDING) {
            return null;
        }
        String k = key == null ? "" : new String(key, StandardCharsets.UTF_8);
        int bar = k.indexOf('|');
        if (bar < 0) {
            throw new IllegalArgumentException("not an admitted-request key: no '|' between user and request id");
        }
        return new HeldReservation(k.substring(0, bar), k.substring(bar + 1), entry.amountMicros(), Instant.ofEpochMilli(entry.admittedAt()));
    }
}
