package dev.sluice.launcher;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.StageProvider;
import dev.sluice.common.demo.DemoContext;
import dev.sluice.common.demo.ProviderOutage;
import dev.sluice.common.demo.StageDemo;
import dev.sluice.launcher.demo.BreakerSampler;
import dev.sluice.launcher.demo.DemoObserver;
import dev.sluice.launcher.demo.DemoSummary;
import dev.sluice.launcher.demo.DemoWorkload;
import dev.sluice.launcher.embedded.EmbeddedStack;
import dev.sluice.launcher.http.Meters;
import dev.sluice.launcher.http.ObservabilityServer;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.StageCatalog;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.OutcomeWatcher;
import dev.sluice.launcher.load.Progress;
import dev.sluice.launcher.load.Requests;
import dev.sluice.launcher.load.TopicReader;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code sluice demo}, the embedded default: a real broker in this JVM, the registry and Redis as child
 * processes, every discovered stage in this JVM on the simulated provider (unless a provider key is
 * configured), a sample workload that shows each feature, and a summary read back from the output topics.
 * Cleans up its processes and temporary files on exit, Ctrl-C included.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run everything in this process, drive a sample workload and summarise what happened.")
public final class DemoCommand implements Callable<Integer> {
    @ParentCommand SluiceCli cli;
    @Mixin ConfigOptions options;
    @Spec CommandSpec spec;

    /** Ingest's global ceiling key ({@code CeilingConfig.PER_MINUTE_MICROS}; ingest is a runtime dependency only). */
    static final String CEILING_PER_MINUTE_KEY = "ingest.global.budget.per.minute.micros";
    /**
     * The demo's global spend ceiling unless one is configured: $0.20 per minute, far above the rest of the workload
     * (a few cents a minute) and below what the spenders ask for (48 requests of about $0.01 worst case each).
     */
    static final long DEMO_CEILING_MICROS = 200_000;

    @Option(names = "--requests", defaultValue = "60", description = "Steady-traffic requests (default ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--users", defaultValue = "6", description = "Users (at least 5: three tiers, a burst user, a budget user; default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--timeout", defaultValue = "PT3M", converter = DurationConverter.class,
            description = "Longest wait for start-up and for every request to finish (default 3m).")
    Duration timeout;

    @Option(names = "--keep-running", description = "After the summary, keep every stage and the dashboard up until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws InterruptedException {
        if (requests < 10 || users < 5) {
            throw new LauncherException("--requests must be at least 10 and --users at least 5");
        }
        StageCatalog stages = StageCatalog.discover();
        if (stages.all().isEmpty()) {
            throw new LauncherException("nothing to demo: " + stages.describeAvailable());
        }
        PrintStream out = System.out;
        quietLibraries(cli.env());
        SluiceConfig base = withProvider(options.load(Map.of(), cli.env()), out);
        java.util.concurrent.CountDownLatch closed = new java.util.concurrent.CountDownLatch(1);
        if (keepRunning) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> { // Ctrl-C: stop waiting, close everything, then exit
                main.interrupt();
                try {
                    closed.await(60, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "sluice-demo-shutdown"));
        }
        try (EmbeddedStack stack = EmbeddedStack.start(base, cli.env(), out, timeout)) {
            return run(stack, stages, out);
        } finally {
            closed.countDown();
        }
    }

    private int run(EmbeddedStack stack, StageCatalog stages, PrintStream out) throws InterruptedException {
        SluiceConfig config = stack.config();
        if (config.find(CEILING_PER_MINUTE_KEY).isEmpty()) {
            config = config.with(Map.of(CEILING_PER_MINUTE_KEY, Long.toString(DEMO_CEILING_MICROS)));
        }
        long ceiling = config.longValue(CEILING_PER_MINUTE_KEY, 0, 0, Long.MAX_VALUE / 4);
        TopicCatalog catalog = Topics.catalog(config, new SchemaRegistryClient(stack.registryUrl()));
        try (Admin admin = new Preflight(config).kafka()) {
            TopicsCommand.Create.create(admin, catalog, (short) 1);
            TopicsCommand.Create.register(catalog, new SchemaRegistryClient(stack.registryUrl()));
        }
        Map<String, Object> kafka = CommonKeys.kafkaClientProperties(config);
        // Policies before the stages: admission reads its global policy store to the topic's end before it admits anything,
        // so the first request already meets its user's tier (a sleep after the start only made that likely).
        DemoWorkload workload = new DemoWorkload(catalog, kafka);
        workload.publishPolicies(users);
        List<StageProvider> providers = new ArrayList<>(stages.all().values());
        AtomicReference<StageHost> host = new AtomicReference<>();
        try (Meters meters = Meters.prometheus("demo");
             ObservabilityServer http = ObservabilityServer.start(config.intValue(CommonKeys.HTTP_PORT, 0, 0, 65_535),
                     () -> host.get() == null ? StageHost.startingHealth(providers) : host.get().health(), meters::scrape)) {
            // every stage's demo settings (outage switch, ports, the dashboard reading this process's own /metrics)
            DemoContext context = new DemoContext(stack.dir("switches"), "http://127.0.0.1:" + http.port() + "/metrics", Requests.DEFAULT_MODEL);
            SluiceConfig stageConfig = config;
            for (StageProvider provider : providers) {
                stageConfig = stageConfig.with(provider.demo().settings(stageConfig, context));
            }
            host.set(StageHost.start(providers, stageConfig, catalog, meters.registry()));
            try (StageHost running = host.get()) {
                out.printf("  stages    %s; /health and /metrics on http://127.0.0.1:%d%n", String.join(", ", running.names()), http.port());
                SluiceConfig demoConfig = stageConfig;
                List<StageDemo> demos = providers.stream().filter(p -> running.names().contains(p.name())).map(StageProvider::demo).toList();
                String dashboard = demos.stream().flatMap(d -> d.dashboard(demoConfig).stream()).findFirst().orElse(null);
                if (dashboard != null) {
                    out.printf("  dashboard %s (live while the demo runs)%n", dashboard);
                }
                awaitReady(running);
                Interlude interlude = () -> {
                    for (StageDemo demo : demos) {
                        demo.interlude(demoConfig, catalog, kafka, out);
                    }
                };
                ProviderOutage outage = demos.stream().flatMap(d -> d.outage(demoConfig).stream()).findFirst().orElse(ProviderOutage.NONE);
                boolean fallback = demos.stream().anyMatch(d -> d.fallsBack(demoConfig, Requests.DEFAULT_MODEL));
                int exit = drive(workload, catalog, kafka, meters, outage, fallback, ceiling, interlude, out);
                if (dashboard != null) {
                    out.printf("%nDashboard: %s%s%n", dashboard, keepRunning ? "" : " (run with --keep-running to keep it up after the summary)");
                }
                if (keepRunning) {
                    out.println("sluice demo: --keep-running: every stage stays up; Ctrl-C stops and cleans up");
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } catch (InterruptedException e) {
                        out.println("sluice demo: stopping");
                    }
                }
                return exit;
            }
        }
    }

    /** A step run between the workload's phases and the ceiling phase (the stages' own, e.g. the gateway's). */
    interface Interlude {
        void run() throws InterruptedException;
    }

    private int drive(DemoWorkload workload, TopicCatalog catalog, Map<String, Object> kafka, Meters meters, ProviderOutage outage,
                      boolean fallback, long ceiling, Interlude beforeCeiling, PrintStream out) throws InterruptedException {
        DemoObserver observer = new DemoObserver(workload.sent());
        boolean finished;
        List<String> transitions;
        try (OutcomeWatcher watcher = new OutcomeWatcher(kafka, catalog, true, observer);
             BreakerSampler breakers = new BreakerSampler(meters.registry());
             Progress progress = new Progress(out, () -> String.format("demo: sent %d | admitted %d | rejected %d | results %d | dead letters %d",
                     workload.expectedOutcomes(), observer.admitted(), watcher.count(OutcomeWatcher.Kind.REJECTED),
                     watcher.count(OutcomeWatcher.Kind.RESULT), watcher.count(OutcomeWatcher.Kind.DEAD_LETTER)))) {
            workload.burst(12);
            workload.overBudget(8);
            long deadline = System.nanoTime() + timeout.toNanos();
            workload.steady(requests, users, 20, () -> awaitOutcomes(observer, workload, deadline));
            if (fallback) { // the outage requests complete on the fallback while the primary is down: wait for them
                workload.outage(outage, 8, Duration.ofSeconds(2), timeout, observer::allEnded);
            } else {
                workload.outage(outage, 8, Duration.ofSeconds(2));
            }
            workload.badInput();
            finished = awaitOutcomes(observer, workload, deadline);
            // the gateway's requests (not the workload's: the observer leaves them out) before the ceiling phase, which
            // uses up the rest of this minute's global ceiling for everyone
            beforeCeiling.run();
            if (ceiling > 0) {
                workload.overCeiling(4, 2, Duration.ofMillis(500));
                finished = awaitOutcomes(observer, workload, deadline) && finished;
            }
            transitions = breakers.transitions();
        }
        // money only: admission's OVERSPENT flags and discard's RELEASED events share the topic (docs/topics.md)
        List<CostEvent> costs = TopicReader.readAll(kafka, catalog.costs(), Duration.ofSeconds(30)).stream()
                .filter(c -> c != null && c.getKind() == CostKind.CHARGED && workload.sent().containsKey(c.getRequestId())).toList();
        PrintWriter writer = new PrintWriter(out, true);
        new DemoSummary(observer, costs, transitions, workload.expectedOutcomes(), outage.supported(), ceiling).print(writer);
        if (!finished) {
            throw new LauncherException("only " + observer.terminal() + " of " + workload.expectedOutcomes()
                    + " requests finished within " + timeout.toSeconds() + " s (--timeout); the summary above is partial");
        }
        return 0;
    }

    /** Waits until everything sent so far has ended (or the deadline passes); true if it has. */
    private static boolean awaitOutcomes(DemoObserver observer, DemoWorkload workload, long deadlineNanos) {
        try {
            while (observer.terminal() < workload.expectedOutcomes() && System.nanoTime() < deadlineNanos) {
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return observer.terminal() >= workload.expectedOutcomes();
    }

    /** The demo's output is for people: library warnings that are expected here (a malformed record, a temp state dir) stay quiet. */
    private static void quietLibraries(Map<String, String> env) {
        if (env.containsKey("SLUICE_LIBRARY_LOG_LEVEL")) {
            return;
        }
        for (String name : new String[] {"org.apache.kafka", "ai.djl", "io.lettuce", "io.netty"}) {
            if (org.slf4j.LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger logger) {
                logger.setLevel(ch.qos.logback.classic.Level.ERROR);
            }
        }
    }

    private void awaitReady(StageHost host) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!host.health().ready()) {
            if (System.nanoTime() > deadline) {
                throw new LauncherException("stages not ready after " + timeout.toSeconds() + " s: " + host.health().details());
            }
            Thread.sleep(200);
        }
    }

    /** The simulated provider unless a provider is configured or a provider key is present. */
    static SluiceConfig withProvider(SluiceConfig config, PrintStream out) {
        if (config.find(CommonKeys.PROVIDER).isPresent()) {
            out.println("sluice demo: provider " + config.find(CommonKeys.PROVIDER).get() + " (configured)");
            return config;
        }
        if (config.secret("provider.api.key", "ANTHROPIC_API_KEY").isPresent()) {
            out.println("sluice demo: provider anthropic (ANTHROPIC_API_KEY is set)");
            return config.with(Map.of(CommonKeys.PROVIDER, "anthropic"));
        }
        if (config.secret("provider.api.key", "OPENAI_API_KEY").isPresent()) {
            out.println("sluice demo: provider openai (OPENAI_API_KEY is set)");
            return config.with(Map.of(CommonKeys.PROVIDER, "openai"));
        }
        out.println("sluice demo: provider simulated (no provider key configured)");
        return config.with(Map.of(CommonKeys.PROVIDER, "simulated"));
    }
}
