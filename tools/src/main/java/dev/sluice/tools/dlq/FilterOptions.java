package dev.sluice.tools.dlq;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import dev.sluice.common.Durations;

import picocli.CommandLine.Option;

/** The letter-selection options shared by {@code dlq list}, {@code inspect} and {@code replay}. */
public final class FilterOptions {
    @Option(names = "--since", paramLabel = "SPAN", description = "Only letters that failed within this span before now, e.g. 30m, 24h, 7d.")
    String since;
    @Option(names = "--from", paramLabel = "INSTANT", description = "Only letters that failed at or after this instant (ISO-8601 or yyyy-MM-dd, UTC).")
    String from;
    @Option(names = "--to", paramLabel = "INSTANT", description = "Only letters that failed before this instant.")
    String to;
    @Option(names = "--stage", description = "Only letters of this stage: ingest, enrichment, generation, analytics.")
    String stage;
    @Option(names = "--error-class", paramLabel = "CLASS", description = "Only letters of this error class, e.g. RETRIES_EXHAUSTED.")
    String errorClass;
    @Option(names = "--user", description = "Only letters of this user id (the record key).")
    String user;
    @Option(names = "--letter", paramLabel = "PARTITION@OFFSET", description = "Only these letters (repeatable), as shown by list.")
    List<String> letters = List.of();

    public LetterFilter toFilter(Clock clock) {
        Instant start = from != null ? Durations.instant(from) : null;
        if (since != null) {
            Instant sinceStart = clock.instant().minus(Durations.parse(since));
            start = start == null || sinceStart.isAfter(start) ? sinceStart : start;
        }
        return new LetterFilter(start, to == null ? null : Durations.instant(to), stage, errorClass, user, Set.copyOf(letters));
    }
}
