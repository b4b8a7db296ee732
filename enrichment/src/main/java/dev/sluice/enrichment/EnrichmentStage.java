package dev.sluice.enrichment;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.common.loop.FreshCommits;
import dev.sluice.common.loop.LoopClients;
import dev.sluice.common.loop.LoopSettings;
import dev.sluice.common.loop.TransactionalLoop;
import dev.sluice.enrichment.cache.AbsentCache;
import dev.sluice.enrichment.cache.EmbeddingCache;
import dev.sluice.enrichment.cache.LettuceEmbeddingCache;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.enrichment.embed.MiniLmEmbedder;
import dev.sluice.enrichment.embed.OpenAiEmbedder;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enrichment stage: consumes {@code llm.requests.admitted}, attaches an embedding of each request's user text
 * (Redis cache, computed on miss, degraded to an in-process cache when Redis is unavailable) and produces
 * {@code llm.requests.enriched} transactionally on the shared {@link TransactionalLoop} (one transaction per poll). Construction only wires; the model is
 * loaded and the loop started by {@link #start()}.
 */
public final class EnrichmentStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(EnrichmentStage.class);
    private final EnrichmentConfig config;
    private final Map<String, Object> kafka;
    private final TopicCatalog catalog;
    private final Supplier<Embedder> embedders;
    private final ResilientCache cache;
    private final EnrichmentMetrics metrics;
    private final MeterRegistry meters;
    private final Clock clock;
    private Embedder embedder;
    private TransactionalLoop<ProducerRecord<byte[], byte[]>> loop;

    /** The launcher's constructor: Redis from {@code redis.url}, the embedder from {@code enrichment.embedder}. */
    public EnrichmentStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        this(EnrichmentConfig.from(config), CommonKeys.kafkaClientProperties(config), catalog, meters);
    }

    private EnrichmentStage(EnrichmentConfig config, Map<String, Object> kafka, TopicCatalog catalog, MeterRegistry meters) {
        this(config, kafka, catalog, meters, embedderFactory(config), sharedCache(config), Clock.systemUTC());
    }

    /** Redis at {@code redis.url}; unset means no Redis, so only the in-process cache answers (see {@link AbsentCache}). */
    private static EmbeddingCache sharedCache(EnrichmentConfig config) {
        if (config.redisUrl().isEmpty()) {
            log.warn("NO REDIS CONFIGURED ({}): enrichment caches embeddings in this process only ({} entries)",
                    CommonKeys.REDIS_URL, config.localCacheEntries());
            return new AbsentCache();
        }
        return new LettuceEmbeddingCache(config.redisUrl().get(), config.redisTimeout());
    }

    /** For tests and embedding: every collaborator injected. The stage owns and closes the cache and the embedder. */
    public EnrichmentStage(EnrichmentConfig config, Map<String, Object> kafkaClientProperties, TopicCatalog catalog,
                           MeterRegistry meters, Supplier<Embedder> embedders, EmbeddingCache sharedCache, Clock clock) {
        this.config = config;
        this.kafka = Map.copyOf(kafkaClientProperties);
        this.catalog = catalog;
        this.embedders = embedders;
        this.clock = clock;
        this.metrics = new EnrichmentMetrics(meters);
        this.meters = meters;
        this.cache = new ResilientCache(sharedCache, config.cacheTtl(), config.breakerOpen(), config.localCacheEntries(), clock);
        metrics.bind(cache);
    }

    /** The embedder named by {@code enrichment.embedder}. */
    public static Supplier<Embedder> embedderFactory(EnrichmentConfig config) {
        if (config.embedder().equals("openai")) {
            return () -> new OpenAiEmbedder(config.openAiBaseUrl(), config.openAiModel(), config.openAiApiKey(),
                    config.openAiTimeout(), config.modelBatchSize());
        }
        return () -> new MiniLmEmbedder(config.stateDir(), config.modelBatchSize(), config.modelThreads());
    }

    @Override
    public String name() {
        return "enrichment";
    }

    @Override
    public synchronized void start() {
        if (loop != null) {
            return;
        }
        embedder = embedders.get();
        if (config.redisUrl().isPresent()) { // without Redis there is nothing to recover to
            cache.startProbing(ResilientCache.PROBE_INTERVAL);
        }
        Enricher enricher = new Enricher(embedder, cache, metrics, config.maxTextChars(), clock);
        BatchProcessor processor = new BatchProcessor(catalog.admitted().valueSerde().deserializer(),
                catalog.enriched().valueSerde().serializer(), enricher, metrics, catalog.admitted().name(),
                catalog.enriched().name(), catalog.dlq().name(), maxRecordBytes(), clock,
                new FreshCommits(EnrichmentConfig.FRESH_INTERVALS * config.commitInterval().toMillis(), clock));
        // A static member under its transactional id (stable per instance): restarted after a crash it takes its partitions
        // back at once instead of waiting for the broker to expire the dead member (the session timeout, 45 s by default).
        // It still leaves the group when it stops cleanly, so the instances that stay take over at once.
        Map<String, Object> consumerProps = LoopClients.transactionalConsumer(kafka, config.groupId(),
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.pollMaxRecords(),
                        ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, config.transactionalId()));
        Map<String, Object> producerProps = LoopClients.transactionalProducer(kafka, config.transactionalId());
        loop = new TransactionalLoop<>(name(), new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                () -> new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer()),
                catalog.admitted().name(), processor, loopSettings()).leavingTheGroupOnClose().measuredIn(meters);
        loop.start();
    }

    /**
     * Enrichment decides a whole poll synchronously: nothing is submitted (so no in-flight bound applies). A poll with a
     * fresh record is committed at once ({@link BatchProcessor#commitDue}), a backlog every commit interval; a partition
     * with more than two polls of uncommitted records stops being read until they commit.
     */
    private LoopSettings loopSettings() {
        return new LoopSettings(1, 2 * config.pollMaxRecords(), config.commitInterval(), Duration.ZERO, config.retryBackoff(),
                Duration.ofMillis(200));
    }

    private int maxRecordBytes() {
        Object configured = kafka.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        int max = configured == null ? 1024 * 1024 : Integer.parseInt(configured.toString());
        return max - 512; // room for the record batch header and headers
    }

    @Override
    public StageHealth health() {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("redis", cache.degraded() ? "DOWN" : "UP");
        details.put("breaker.redis", cache.breakerState().name());
        details.put("model", embedder == null ? "not loaded" : embedder.modelId());
        boolean live = loop == null || loop.live();
        String lastFailure = loop == null ? "" : loop.lastFailure();
        if (!lastFailure.isEmpty()) {
            details.put("last.failure", lastFailure);
        }
        if (loop != null && loop.failure() != null) {
            details.put("error", loop.failure().getClass().getSimpleName());
        }
        details.put("hit.rate", String.format(java.util.Locale.ROOT, "%.3f", metrics.hitRate()));
        boolean running = loop != null && loop.state() == TransactionalLoop.State.RUNNING;
        return new StageHealth(live, live && running && lastFailure.isEmpty(), cache.degraded(), details);
    }

    /** The stage's meters (hit rate, counts by source), for tests and reports. */
    public EnrichmentMetrics metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.stopAndJoin(Duration.ofSeconds(30));
        }
        cache.close();
        if (embedder != null) {
            embedder.close();
        }
    }
}
