package dev.sluice.enrichment;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.enrichment.cache.EmbeddingCache;
import dev.sluice.enrichment.cache.LettuceEmbeddingCache;
import dev.sluice.enrichment.embed.Embedder;
import dev.sluice.enrichment.embed.MiniLmEmbedder;
import dev.sluice.enrichment.embed.OpenAiEmbedder;
import dev.sluice.schemas.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The enrichment stage: consumes {@code llm.requests.admitted}, attaches an embedding of each request's user text
 * (Redis cache, computed on miss, degraded to an in-process cache when Redis is unavailable) and produces
 * {@code llm.requests.enriched} transactionally (see {@link TransactionalLoop}). Construction only wires; the model is
 * loaded and the loop started by {@link #start()}.
 */
public final class EnrichmentStage implements Stage {
    private final EnrichmentConfig config;
    private final Map<String, Object> kafka;
    private final TopicCatalog catalog;
    private final Supplier<Embedder> embedders;
    private final ResilientCache cache;
    private final EnrichmentMetrics metrics;
    private final Clock clock;
    private Embedder embedder;
    private TransactionalLoop loop;
    private Thread thread;

    /** The launcher's constructor: Redis from {@code redis.url}, the embedder from {@code enrichment.embedder}. */
    public EnrichmentStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters) {
        this(EnrichmentConfig.from(config), CommonKeys.kafkaClientProperties(config), catalog, meters);
    }

    private EnrichmentStage(EnrichmentConfig config, Map<String, Object> kafka, TopicCatalog catalog, MeterRegistry meters) {
        this(config, kafka, catalog, meters, embedderFactory(config),
                new LettuceEmbeddingCache(config.redisUrl(), config.redisTimeout()), Clock.systemUTC());
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
        if (thread != null) {
            return;
        }
        embedder = embedders.get();
        Enricher enricher = new Enricher(embedder, cache, metrics, config.maxTextChars(), clock);
        BatchProcessor processor = new BatchProcessor(catalog.admitted().valueSerde().deserializer(),
                catalog.enriched().valueSerde().serializer(), enricher, metrics, catalog.admitted().name(),
                catalog.enriched().name(), catalog.dlq().name(), maxRecordBytes(), clock);
        loop = new TransactionalLoop(new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(), new ByteArrayDeserializer()),
                () -> new KafkaProducer<>(producerProps(), new ByteArraySerializer(), new ByteArraySerializer()),
                processor, catalog.admitted().name(), config.retryBackoff());
        thread = new Thread(loop, "sluice-enrichment");
        thread.setDaemon(false);
        thread.start();
    }

    private Map<String, Object> consumerProps() {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.pollMaxRecords());
        return p;
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> p = new HashMap<>(kafka);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        return p;
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
        boolean running = thread != null && thread.isAlive();
        boolean fatal = loop != null && loop.fatal();
        if (loop != null && !loop.lastFailure().isEmpty()) {
            details.put("last.failure", loop.lastFailure());
        }
        details.put("hit.rate", String.format(java.util.Locale.ROOT, "%.3f", metrics.hitRate()));
        // a loop thread that died of anything (not only a fenced producer) makes the stage not live
        boolean live = !fatal && (thread == null || running);
        return new StageHealth(live, running && !fatal && (loop == null || loop.lastFailure().isEmpty()), cache.degraded(), details);
    }

    /** The stage's meters (hit rate, counts by source), for tests and reports. */
    public EnrichmentMetrics metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        if (loop != null) {
            loop.stop();
        }
        if (thread != null) {
            try {
                thread.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        cache.close();
        if (embedder != null) {
            embedder.close();
        }
    }
}
