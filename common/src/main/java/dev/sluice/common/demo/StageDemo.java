package dev.sluice.common.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;

/**
 * A stage's part in {@code sluice demo}, returned by {@link dev.sluice.common.StageProvider#demo()}: the settings it
 * wants there and what it shows, so the launcher runs the demo without knowing any stage's configuration keys. Every
 * method has a default that adds nothing.
 */
public interface StageDemo {
    /** No part in the demo beyond running. */
    StageDemo NONE = new StageDemo() {};

    /**
     * Settings this stage wants in the demo, on top of {@code config} (which already holds the settings of the stages
     * asked before it). A key the user configured stays theirs: return it only when {@code config} lacks it.
     */
    default Map<String, String> settings(SluiceConfig config, DemoContext context) {
        return Map.of();
    }

    /** The switch that takes this stage's provider down and back up under {@code config}, if it has one. */
    default Optional<ProviderOutage> outage(SluiceConfig config) {
        return Optional.empty();
    }

    /** Whether requests for {@code model} complete on another endpoint while the provider is down. */
    default boolean fallsBack(SluiceConfig config, String model) {
        return false;
    }

    /** The URL of a page for people that this stage serves while the demo runs, if any. */
    default Optional<String> dashboard(SluiceConfig config) {
        return Optional.empty();
    }

    /**
     * A step of the stage's own, run once the stages are ready, after the workload's phases and before the ceiling
     * phase (which uses up the minute's global ceiling for everyone). Prints what it shows to {@code out}.
     */
    default void interlude(SluiceConfig config, TopicCatalog catalog, Map<String, Object> kafka, PrintStream out)
            throws InterruptedException {
    }

    /**
     * The port configured under {@code key} unless it is absent or 0; otherwise a free one picked now, so the demo can
     * print the URL before the stage starts ({@code fallback} if no port can be picked).
     */
    static int freePort(SluiceConfig config, String key, int fallback) {
        Optional<String> configured = config.find(key);
        if (configured.isPresent() && !configured.get().trim().equals("0")) {
            try {
                return Integer.parseInt(configured.get().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be a port number (0-65535), got '" + configured.get() + "'");
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            return fallback;
        }
    }
}
