package dev.sluice.common.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Injects a provider outage into the demo's generation stage, so its circuit breaker visibly opens and
 * closes again. The simulated provider fails every call while its outage file exists
 * ({@code simulated.outage.file}); a real provider cannot be switched off, so the demo skips the outage then.
 * Generation hands one out through {@link StageDemo#outage}.
 */
public interface ProviderOutage {
    /** Makes every provider call fail (retryable, like a 503) from now on. */
    void begin();

    /** Restores the provider. */
    void end();

    /** Whether this implementation can inject an outage at all. */
    boolean supported();

    /** No outage injection available (a real provider is configured). */
    ProviderOutage NONE = new ProviderOutage() {
        @Override public void begin() {}
        @Override public void end() {}
        @Override public boolean supported() { return false; }
    };

    /** The simulated provider's switch: the outage lasts while {@code file} exists. */
    static ProviderOutage file(Path file) {
        return new ProviderOutage() {
            @Override
            public void begin() {
                try {
                    Files.writeString(file, "outage injected by sluice demo\n");
                } catch (IOException e) {
                    throw new UncheckedIOException("could not create the outage switch " + file, e);
                }
            }

            @Override
            public void end() {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("could not remove the outage switch " + file, e);
                }
            }

            @Override
            public boolean supported() {
                return true;
            }
        };
    }
}
