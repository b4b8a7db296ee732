package dev.sluice.tools.reservations;

import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.ingest.admission.HeldReservation;

/**
 * The reservations admission holds, rebuilt from its admitted-requests changelog read in order: a key's latest record
 * decides (held, or charged, released or deleted), so only the held ones are kept in memory, not the store's
 * millions of settled dedupe witnesses. {@link #print} and {@link #printJson} show them oldest first.
 */
final class HeldReservations {
    /** Keyed by the changelog key's bytes as they are: most records only remove a key, and need no String. */
    private final Map<ByteBuffer, HeldReservation> held = new HashMap<>();

    /** Applies one changelog record, in the topic's order within its partition. */
    void accept(byte[] key, byte[] value) {
        apply(ByteBuffer.wrap(key == null ? new byte[0] : key), HeldReservation.of(key, value));
    }

    /** The latest state of the entry {@code key}: {@code held}, or null when it holds nothing (any more). */
    void apply(String key, HeldReservation held) {
        apply(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8)), held);
    }

    private void apply(ByteBuffer key, HeldReservation held) {
        if (held == null) {
            this.held.remove(key);
        } else {
            this.held.put(key, held);
        }
    }

    private static final Comparator<HeldReservation> OLDEST_FIRST = Comparator.comparing(HeldReservation::admittedAt)
            .thenComparing(HeldReservation::userId).thenComparing(HeldReservation::requestId);

    /** Every reservation held, oldest first. */
    List<HeldReservation> all() {
        return select(r -> true);
    }

    /** The held reservations that {@code selected} keeps, oldest first. */
    List<HeldReservation> select(Predicate<HeldReservation> selected) {
        return held.values().stream().filter(selected).sorted(OLDEST_FIRST).toList();
    }

    /** The oldest reservation held, if any. */
    private HeldReservation oldest() {
        return held.values().stream().min(OLDEST_FIRST).orElse(null);
    }

    private long users() {
        return held.values().stream().map(HeldReservation::userId).distinct().count();
    }

    private long micros() {
        return held.values().stream().mapToLong(HeldReservation::amountMicros).sum();
    }

    /** A table of {@code shown} (oldest first), then one line on everything held. */
    void print(PrintWriter out, List<HeldReservation> shown, Instant now, String selection) {
        if (!shown.isEmpty()) {
            out.printf("%-24s %12s %-24s %-38s %14s%n", "admitted at", "held for", "user", "request", "reserved µ$");
            for (HeldReservation r : shown) {
                out.printf("%-24s %12s %-24s %-38s %,14d%n", r.admittedAt(), span(Duration.between(r.admittedAt(), now)),
                        r.userId(), r.requestId(), r.amountMicros());
            }
        }
        HeldReservation oldest = oldest();
        out.printf("%,d reservations held by %,d users, %,d µ$ in all", held.size(), users(), micros());
        if (oldest != null) {
            out.printf("; the oldest admitted %s, held for %s", oldest.admittedAt(), span(Duration.between(oldest.admittedAt(), now)));
        }
        out.printf("%n%,d shown (%s)%n", shown.size(), selection);
        out.flush();
    }

    /** One JSON document: the totals of everything held, the oldest's age, and {@code shown}. */
    void printJson(PrintWriter out, List<HeldReservation> shown, Instant now) {
        HeldReservation oldest = oldest();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("held", held.size());
        doc.put("users", users());
        doc.put("reservedMicros", micros());
        doc.put("oldestAdmittedAt", oldest == null ? null : oldest.admittedAt().toString());
        doc.put("oldestHeldMs", oldest == null ? null : Duration.between(oldest.admittedAt(), now).toMillis());
        doc.put("reservations", shown.stream().map(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("userId", r.userId());
            row.put("requestId", r.requestId());
            row.put("reservedMicros", r.amountMicros());
            row.put("admittedAt", r.admittedAt().toString());
            row.put("heldMs", Duration.between(r.admittedAt(), now).toMillis());
            return row;
        }).toList());
        try {
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(doc));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not render the reservations as JSON", e);
        }
        out.flush();
    }

    /** {@code 2d03h}, {@code 1h02m}, {@code 4m05s}, {@code 12s}; a negative span (clocks apart) as {@code 0s}. */
    static String span(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s >= 86_400) {
            return String.format("%dd%02dh", s / 86_400, s % 86_400 / 3_600);
        }
        if (s >= 3_600) {
            return String.format("%dh%02dm", s / 3_600, s % 3_600 / 60);
        }
        if (s >= 60) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
