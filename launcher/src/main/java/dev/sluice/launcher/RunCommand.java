package dev.sluice.launcher;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.StageHealth;
import dev.sluice.common.StageProvider;
import dev.sluice.launcher.http.Meters;
import dev.sluice.launcher.http.ObservabilityServer;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.StageCatalog;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sluice run <stage>}: one stage as its own process against an existing Kafka cluster, registry and
 * Redis. Checks every dependency first (fail fast, naming the key), serves {@code /health} and
 * {@code /metrics} on {@code http.port}, and closes the stage on SIGTERM.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run one stage (ingest, enrichment, generation, analytics) against an existing cluster.")
public final class RunCommand implements Callable<Integer> {
    /** Default port of /health and /metrics. */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /** Exit code when a started stage stops being live (its loop or stream thread died): restart me. */
    public static final int EXIT_NOT_LIVE = 70;

    @ParentCommand SluiceCli cli;
    @Mixin ConfigOptions options;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "STAGE", description = "The stage to run: ingest, enrichment, generation or analytics.")
    String stageName;

    @Override
    public Integer call() throws InterruptedException {
        SluiceConfig config = options.load(Map.of(), cli.env());
        StageProvider provider = StageCatalog.discover().require(stageName);
        int httpPort = config.intValue(CommonKeys.HTTP_PORT, DEFAULT_HTTP_PORT, 0, 65_535);
        Preflight preflight = new Preflight(config);
        try (Admin ignored = preflight.kafka()) {
            // reachable; the stage opens its own clients
        }
        String registryUrl = preflight.registry();
        preflight.redisIfConfigured();

        TopicCatalog catalog = Topics.catalog(config, new SchemaRegistryClient(registryUrl));
        Meters meters = Meters.prometheus(stageName);
        AtomicReference<StageHost> host = new AtomicReference<>();
        ObservabilityServer http = ObservabilityServer.start(httpPort,
                () -> host.get() == null ? StageHost.startingHealth(List.of(provider)) : host.get().health(), meters::scrape);
        CountDownLatch stopped = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closing.set(true); // a closing stage is not live, and that is no reason to report it dead
            StageHost h = host.get();
            if (h != null) {
                h.close();
            }
            http.close();
            meters.close();
            stopped.countDown();
        }, "sluice-shutdown"));
        try {
            host.set(StageHost.start(List.of(provider), config, catalog, meters.registry()));
        } catch (RuntimeException e) {
            http.close();
            throw e;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("sluice: stage %s running; /health and /metrics on port %d (Ctrl-C or SIGTERM stops it)%n", stageName, http.port());
        out.flush();
        AtomicReference<String> died = new AtomicReference<>();
        try (LivenessWatch ignored = LivenessWatch.start(
                () -> closing.get() ? StageHealth.up(Map.of()) : host.get().health(), why -> {
            died.set(why);
            stopped.countDown();
        })) {
            stopped.await();
        }
        if (died.get() != null) {
            // exit non-zero so systemd, Kubernetes or compose (restart: on-failure) start a fresh process;
            // the shutdown hook still closes the stage on the way out
            PrintWriter err = spec.commandLine().getErr();
            err.printf("sluice: stage %s is no longer live (%s); exiting with %d so it is restarted%n", stageName, died.get(), EXIT_NOT_LIVE);
            err.flush();
            return EXIT_NOT_LIVE;
        }
        return 0;
    }
}
