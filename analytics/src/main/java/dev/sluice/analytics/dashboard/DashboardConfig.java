package dev.sluice.analytics.dashboard;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import dev.sluice.common.SluiceConfig;

/**
 * Settings of the dashboard page and its JSON API, served by the analytics stage. Every key can also be set as an
 * environment variable ({@code SLUICE_} + key upper-cased, dots as underscores).
 *
 * @param enabled      whether the analytics stage serves the dashboard at all
 * @param bindAddress  the address the server binds (loopback unless configured)
 * @param port         the TCP port (0 = any free port)
 * @param scrapeUrls   Prometheus endpoints of the stages, read for breaker state, latency and Redis degradation
 * @param refresh      how often the page polls the API and the server samples lag, throughput and the scrape URLs
 */
public record DashboardConfig(boolean enabled, String bindAddress, int port, List<String> scrapeUrls, Duration refresh) {
    /** Whether {@code sluice run analytics} serves the dashboard. Default {@value #DEFAULT_ENABLED}. */
    public static final String ENABLED = "dashboard.enabled";
    public static final boolean DEFAULT_ENABLED = true;
    /**
     * Address the dashboard binds. Default {@value #DEFAULT_BIND_ADDRESS} (loopback: only this machine); set
     * {@code 0.0.0.0} to publish it (e.g. in a container), preferably behind an authenticating proxy.
     */
    public static final String BIND_ADDRESS = "dashboard.bind.address";
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    /** TCP port of the dashboard page and {@code /api/v1}; 0 picks a free port. Default {@value #DEFAULT_PORT}. */
    public static final String PORT = "dashboard.port";
    public static final int DEFAULT_PORT = 8090;
    /**
     * Comma-separated Prometheus endpoints of the stages (e.g. {@code http://generation:8080/metrics}), read every
     * refresh for circuit-breaker state, p50/p99 latencies and Redis degradation. Default empty: those panels
     * then say "no scrape URLs configured".
     */
    public static final String SCRAPE_URLS = "dashboard.scrape.urls";
    /** Refresh interval in milliseconds (page polling and server-side sampling). Default 2000. */
    public static final String REFRESH_MS = "dashboard.refresh.ms";
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(2);

    public DashboardConfig {
        scrapeUrls = List.copyOf(scrapeUrls);
        for (String url : scrapeUrls) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException(SCRAPE_URLS + ": '" + url + "' is not an http(s) URL");
            }
        }
    }

    public static DashboardConfig from(SluiceConfig config) {
        String urls = config.string(SCRAPE_URLS, "");
        return new DashboardConfig(
                config.bool(ENABLED, DEFAULT_ENABLED),
                config.string(BIND_ADDRESS, DEFAULT_BIND_ADDRESS),
                config.intValue(PORT, DEFAULT_PORT, 0, 65_535),
                Arrays.stream(urls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList(),
                Duration.ofMillis(config.longValue(REFRESH_MS, DEFAULT_REFRESH.toMillis(), 100, 600_000)));
    }
}
