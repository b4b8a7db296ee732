package dev.sluice.launcher.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.common.StageProvider;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.admin.Admin;

/**
 * A stage for the launcher's own tests ("probe"): on start it checks the configured cluster answers and
 * that its topics exist, counts starts in a meter, and prints a line on close, so the launcher's process
 * plumbing (discovery, config, /health, /metrics, SIGTERM) is tested without depending on real stages.
 */
public final class ProbeStageProvider implements StageProvider {
    /** Printed to stdout when the stage is closed (tests look for it after SIGTERM). */
    public static final String CLOSED_LINE = "probe stage closed";
    /** Config key (env {@code SLUICE_PROBE_DIE_AFTER_MS}): kill the probe's loop this many ms after start. */
    public static final String DIE_AFTER_MS = "probe.die.after.ms";

    @Override
    public String name() {
        return "probe";
    }

    @Override
    public Stage create(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        Map<String, Object> kafka = new HashMap<>(CommonKeys.kafkaClientProperties(config));
        Counter starts = Counter.builder("sluice.probe.starts").register(meters);
        AtomicBoolean started = new AtomicBoolean();
        // fault injection: the stage's processing thread dies this long after start (like a loop killed by an
        // unexpected exception), which must make /health not live and the process exit non-zero
        long dieAfterMs = config.longValue(DIE_AFTER_MS, -1, -1, Long.MAX_VALUE);
        Thread loop = new Thread(() -> {
            try {
                Thread.sleep(dieAfterMs);
            } catch (InterruptedException e) {
                return;
            }
            throw new IllegalStateException("probe: injected fault kills the loop");
        }, "probe-loop");
        loop.setDaemon(true);
        return new Stage() {
            @Override
            public String name() {
                return "probe";
            }

            @Override
            public void start() {
                try (Admin admin = Admin.create(kafka)) {
                    admin.describeTopics(java.util.List.of(catalog.requests().name())).allTopicNames()
                            .get(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("probe: topic " + catalog.requests().name() + " not found", e);
                }
                starts.increment();
                started.set(true);
                if (dieAfterMs >= 0) {
                    loop.start();
                }
            }

            @Override
            public StageHealth health() {
                if (dieAfterMs >= 0 && loop.getState() == Thread.State.TERMINATED) {
                    return new StageHealth(false, false, false, Map.of("loop", "DEAD"));
                }
                return started.get() ? StageHealth.up(Map.of("kafka", "UP")) : new StageHealth(true, false, false, Map.of());
            }

            @Override
            public void close() {
                started.set(false);
                System.out.println(CLOSED_LINE);
                System.out.flush();
            }
        };
    }
}
