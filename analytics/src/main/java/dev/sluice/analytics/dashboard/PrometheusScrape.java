package dev.sluice.analytics.dashboard;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the stages' Prometheus endpoints ({@code dashboard.scrape.urls}) for what only the stages know: the state of
 * every circuit breaker (gauges named {@code *_breaker_state}: 0 closed, 1 open, 2 half-open), Redis degradation
 * ({@code sluice_enrichment_degraded}) and the p50/p99 of every timer that publishes them (series with a
 * {@code quantile} label, in seconds). Text exposition format 0.0.4, one sample per line.
 */
final class PrometheusScrape {
    /** Admission's money-held gauges ({@code sluice_ingest_reservations_held_micros} and {@code _users}). */
    static final String HELD_PREFIX = "sluice_ingest_reservations_held_";
    /** One sample: metric name, labels, value. */
    record Series(String name, Map<String, String> labels, double value) {}

    record Result(List<Series> series, List<String> errors) {}

    private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> urls;

    PrometheusScrape(List<String> urls) {
        this.urls = urls;
    }

    Result scrape() {
        List<Series> series = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String url : urls) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    errors.add(url + ": HTTP " + response.statusCode());
                    continue;
                }
                parse(response.body(), series);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                errors.add(url + ": interrupted");
            } catch (Exception e) {
                errors.add(url + ": " + e.getClass().getSimpleName());
            }
        }
        return new Result(series, errors);
    }

    /** Adds the samples of the names the dashboard shows; comments and other metrics are skipped. */
    static void parse(String text, List<Series> out) {
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line.trim());
            if (!m.matches() || !wanted(m.group(1), m.group(2))) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                }
            }
            try {
                out.add(new Series(m.group(1), labels, Double.parseDouble(m.group(3))));
            } catch (NumberFormatException e) {
                // NaN spelled differently or garbage: not a sample the dashboard can show
            }
        }
    }

    private static boolean wanted(String name, String labels) {
        return name.endsWith("_breaker_state") || name.equals("sluice_enrichment_degraded") || name.startsWith(HELD_PREFIX)
                || (name.endsWith("_seconds") && labels != null && labels.contains("quantile="));
    }
}
