package dev.sluice.generation;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ModelCatalog;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.common.loop.LoopClients;
import dev.sluice.common.loop.TransactionalLoop;
import dev.sluice.generation.engine.GenerationHandler;
import dev.sluice.generation.engine.Outcome;
import dev.sluice.generation.engine.OutputRecords;
import dev.sluice.generation.engine.RequestProcessor;
import dev.sluice.generation.semantic.SemanticCache;
import dev.sluice.generation.ledger.Ledger;
import dev.sluice.generation.ledger.LedgerLoader;
import dev.sluice.generation.provider.LlmProvider;
import dev.sluice.generation.provider.Providers;
import dev.sluice.generation.fallback.ChainCaller;
import dev.sluice.generation.fallback.FallbackChains;
import dev.sluice.generation.resilience.ResilientCaller;
import dev.sluice.generation.store.GenerationStore;
import dev.sluice.generation.store.InMemoryGenerationStore;
import dev.sluice.generation.store.RedisGenerationStore;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generation stage: wiring only. The shared {@link TransactionalLoop}, with a {@link GenerationHandler}, consumes
 * {@code llm.requests.enriched}, a {@link RequestProcessor} decides each record through a
 * {@link ResilientCaller} and a {@link GenerationStore} (Redis when {@code redis.url} is set), and results,
 * cost events, dead letters and offsets are committed in Kafka transactions.
 */
public final class GenerationStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(GenerationStage.class);

    private final SluiceConfig config;
    private final GenerationConfig settings;
    private final TopicCatalog catalog;
    private final GenerationMetrics metrics;
    private final MeterRegistry meters;
    private final Clock clock;
    private final ScheduledExecutorService waits = daemonScheduler("sluice-gen-waits", 1);
    private final ScheduledExecutorService timeouts = daemonScheduler("sluice-gen-timeouts", 1);
    private final ScheduledExecutorService simulated = daemonScheduler("sluice-gen-simulated", 2);
    private final ExecutorService http = Executors.newFixedThreadPool(4, daemon("sluice-gen-http"));
    private final ExecutorService worker;
    private final LlmProvider provider;
    private final List<LlmProvider> fallbackProviders = new ArrayList<>();
    private final GenerationStore store;
    private final ResilientCaller caller;
    private final ChainCaller chain;
    private TransactionalLoop<Outcome> loop;

    /** The launcher's constructor. */
    public GenerationStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        this(config, catalog, meters, Clock.systemUTC(), null, null);
    }

    /** With injected collaborators (tests): a null provider or store means the configured one. */
    public GenerationStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters, Clock clock,
                           LlmProvider provider, GenerationStore store) {
        this.config = config;
        this.settings = GenerationConfig.from(config);
        this.catalog = catalog;
        this.metrics = new GenerationMetrics(meters);
        this.meters = meters;
        this.clock = clock;
        this.worker = Executors.newFixedThreadPool(settings.workerThreads(), daemon("sluice-gen-worker"));
        this.provider = provider != null ? provider : Providers.create(config, settings, http, simulated, clock);
        this.store = store != null ? store : storeFor(config, settings);
        this.caller = new ResilientCaller(this.provider, settings.resilience(), waits, timeouts, clock, metrics);
        FallbackChains chains = FallbackChains.from(config);
        Map<String, ResilientCaller> endpoints = new HashMap<>();
        chains.endpoints().forEach((name, e) -> {
            LlmProvider endpoint = Providers.create(e.provider(), e.baseUrl(), config, settings, http, simulated, clock);
            fallbackProviders.add(endpoint);
            endpoints.put(name, new ResilientCaller(name, endpoint, settings.resilience(), waits, timeouts, clock, metrics));
        });
        this.chain = new ChainCaller(caller, endpoints, chains, ModelCatalog.from(config));
    }

    private static GenerationStore storeFor(SluiceConfig config, GenerationConfig settings) {
        return CommonKeys.read(config).optionalString(CommonKeys.REDIS_URL)
                .<GenerationStore>map(url -> new RedisGenerationStore(url, settings.redisTimeout()))
                .orElseGet(() -> {
                    log.warn("NO REDIS CONFIGURED ({}): generation keeps completed calls in memory only; after a crash "
                            + "they are paid again, and the response cache is per process", CommonKeys.REDIS_URL);
                    return new InMemoryGenerationStore(settings.memoryStoreMaxEntries());
                });
    }

    @Override
    public String name() {
        return "generation";
    }

    @Override
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        Map<String, Object> kafka = CommonKeys.kafkaClientProperties(config);
        Map<String, Object> consumerProps = LoopClients.transactionalConsumer(kafka, settings.groupId(), Map.of(
                ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, kafka.getOrDefault(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500),
                // cooperative: a rebalance revokes only the partitions that move, so the rest keep calling while those drain
                ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName()));
        Map<String, Object> ledgerProps = LoopClients.committedReader(kafka, Map.of(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, settings.transactionalId() + "-ledger"));
        Map<String, Object> producerProps = LoopClients.transactionalProducer(kafka, settings.transactionalId());
        Ledger ledger = new Ledger(new LedgerLoader(
                new KafkaConsumer<>(ledgerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                catalog.generationLedger().name(), settings.ledgerLoadTimeout()));
        RequestProcessor processor = new RequestProcessor(chain, store, ModelCatalog.from(config), settings.processor(),
                clock, metrics, worker, new SemanticCache(settings.semantic()));
        GenerationHandler handler = new GenerationHandler(catalog, processor, ledger, store,
                new OutputRecords(catalog, clock, settings.loop().maxRecordBytes()), metrics, settings.loop().publishAhead());
        loop = new TransactionalLoop<>(name(), new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                () -> new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer()),
                catalog.enriched().name(), handler, settings.loop().toLoopSettings()).measuredIn(meters);
        metrics.inFlightFrom(loop::inFlight);
        loop.start();
        log.info("generation started: provider {}, max in flight {}, commit every {} ms, transactional.id {}",
                provider.name(), settings.loop().maxInFlight(), settings.loop().commitInterval().toMillis(),
                settings.transactionalId());
    }

    /** The resolved settings. */
    public GenerationConfig settings() {
        return settings;
    }

    public GenerationMetrics metrics() {
        return metrics;
    }

    public ResilientCaller caller() {
        return caller;
    }

    @Override
    public StageHealth health() {
        Map<String, String> details = new HashMap<>();
        caller.breakers().forEach((model, b) -> details.put("breaker." + provider.name() + "." + model, b.getState().name()));
        details.put("redis", store.healthy() ? "UP" : "DOWN");
        details.put("in.flight", Integer.toString(metrics.inFlight()));
        boolean live = loop != null && loop.live();
        if (loop != null && loop.failure() != null) {
            details.put("error", loop.failure().getClass().getSimpleName());
        }
        boolean degraded = !store.healthy() || details.values().stream().anyMatch(v -> v.equals("OPEN"));
        return new StageHealth(live, live && loop.assigned(), degraded, details);
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            // the loop drains in-flight calls first (bounded by the drain timeout), then closes its clients
            loop.stopAndJoin(settings.loop().drainTimeout().plusSeconds(20));
        }
        for (ExecutorService e : new ExecutorService[] {worker, waits, timeouts, simulated, http}) {
            e.shutdownNow();
        }
        provider.close();
        fallbackProviders.forEach(LlmProvider::close);
        store.close();
    }

    private static ScheduledExecutorService daemonScheduler(String name, int threads) {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(threads, daemon(name));
        s.setRemoveOnCancelPolicy(true);
        s.setKeepAliveTime(30, TimeUnit.SECONDS);
        return s;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
