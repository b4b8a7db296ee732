package dev.sluice.common;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The one parser of spans, instants and rates that commands and configuration accept. A span is a whole number and a
 * unit ({@code 500ms}, {@code 90s}, {@code 30m}, {@code 24h}, {@code 7d}), a bare number of seconds ({@code 30}) or
 * ISO-8601 ({@code PT1H}, {@code P1D}).
 */
public final class Durations {
    private Durations() {}

    /** A span as described above; fails naming the text and the accepted spellings. */
    public static Duration parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(s.toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(nonNegative(s.substring(0, s.length() - 2)));
            }
            char unit = s.charAt(s.length() - 1);
            if (Character.isDigit(unit)) {
                return Duration.ofSeconds(nonNegative(s));
            }
            long n = nonNegative(s.substring(0, s.length() - 1));
            return switch (unit) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new IllegalArgumentException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; use e.g. 500ms, 30s, 30m, 24h, 7d or PT1H");
        }
    }

    private static long nonNegative(String digits) {
        long n = Long.parseLong(digits);
        if (n < 0) {
            throw new NumberFormatException();
        }
        return n;
    }

    /** An ISO-8601 instant ({@code 2025-03-01T12:00:00Z}) or a date ({@code 2025-03-01}, midnight UTC). */
    public static Instant instant(String text) {
        try {
            return text.length() == 10 ? Instant.parse(text + "T00:00:00Z") : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not an instant; use e.g. 2025-03-01T12:00:00Z or 2025-03-01");
        }
    }

    /** A rate like {@code 200/s}, {@code 200} or {@code 600/m} in records per second; 0 or "unlimited" = no limit. */
    public static double rate(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("unlimited")) {
            return 0;
        }
        try {
            double per = 1;
            if (s.endsWith("/s")) {
                s = s.substring(0, s.length() - 2);
            } else if (s.endsWith("/m")) {
                s = s.substring(0, s.length() - 2);
                per = 60;
            }
            double v = Double.parseDouble(s) / per;
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a rate; use e.g. 200/s, 600/m or unlimited");
        }
    }
}
