package dev.sluice.analytics.dashboard;

import static org.apache.kafka.common.config.ConfigDef.Importance.HIGH;
import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.BOOLEAN;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.LONG;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.time.Duration;
import java.util.List;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.config.Validators;
import org.apache.kafka.common.config.ConfigDef.Range;

/**
 * Settings of the dashboard page and its JSON API, served by the analytics stage; every key's meaning, unit, type,
 * default and valid values are declared once, in {@link #definition()}. Every key can also be set as an
 * environment variable ({@code SLUICE_} + key upper-cased, dots as underscores).
 *
 * @param enabled      whether the analytics stage serves the dashboard at all
 * @param bindAddress  the address the server binds (loopback unless configured)
 * @param port         the TCP port (0 = any free port)
 * @param scrapeUrls   Prometheus endpoints of the stages, read for breaker state, latency and Redis degradation
 * @param refresh      how often the page polls the API and the server samples lag, throughput and the scrape URLs
 */
public record DashboardConfig(boolean enabled, String bindAddress, int port, List<String> scrapeUrls, Duration refresh) {
    public static final String ENABLED = "dashboard.enabled";
    /** Default of {@link #ENABLED}. */
    public static final boolean DEFAULT_ENABLED = true;
    public static final String BIND_ADDRESS = "dashboard.bind.address";
    /** Default of {@link #BIND_ADDRESS}: loopback, only this machine. */
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final String PORT = "dashboard.port";
    /** Default of {@link #PORT}. */
    public static final int DEFAULT_PORT = 8090;
    public static final String SCRAPE_URLS = "dashboard.scrape.urls";
    public static final String REFRESH_MS = "dashboard.refresh.ms";
    /** Default of {@link #REFRESH_MS}: 2 s. */
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(2);

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Dashboard (served by `sluice run analytics` and `sluice demo`)")
            .define(ENABLED, BOOLEAN, DEFAULT_ENABLED, null, MEDIUM, "Whether `sluice run analytics` serves the dashboard.")
            .define(BIND_ADDRESS, STRING, DEFAULT_BIND_ADDRESS, null, HIGH,
                    "Address the dashboard binds; the default is loopback (only this machine). Set `0.0.0.0` to publish it (e.g. "
                            + "in a container), preferably behind an authenticating proxy.")
            .define(PORT, INT, DEFAULT_PORT, Range.between(0, 65_535), MEDIUM,
                    "TCP port of the dashboard page and `/api/v1`; 0 picks a free port.")
            .define(SCRAPE_URLS, LIST, "", Validators.urls("http", "https"), LOW,
                    "Comma-separated Prometheus endpoints of the stages (e.g. `http://generation:8080/metrics`), read every "
                            + "refresh for circuit-breaker state, p50/p99 latencies and Redis degradation. Empty: those panels then "
                            + "say \"no scrape URLs configured\".")
            .define(REFRESH_MS, LONG, DEFAULT_REFRESH.toMillis(), Range.between(100, 600_000), LOW,
                    "Refresh interval, ms (page polling and server-side sampling).");

    /** Every key of the dashboard: type, default, valid values, documentation. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    public DashboardConfig {
        scrapeUrls = List.copyOf(scrapeUrls);
        for (String url : scrapeUrls) {
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new IllegalArgumentException(SCRAPE_URLS + ": '" + url + "' is not an http(s) URL");
            }
        }
    }

    /** Reads and validates every key; errors name the key, its source and the bad value. */
    public static DashboardConfig from(SluiceConfig config) {
        ConfigValues v = DEFINITION.validate(config);
        return new DashboardConfig(v.bool(ENABLED), v.string(BIND_ADDRESS), v.intValue(PORT), v.list(SCRAPE_URLS), v.duration(REFRESH_MS));
    }
}
