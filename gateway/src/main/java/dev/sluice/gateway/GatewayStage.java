package dev.sluice.gateway;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.Stage;
import dev.sluice.common.StageHealth;
import dev.sluice.gateway.http.Authenticator;
import dev.sluice.gateway.http.ChatHandler;
import dev.sluice.gateway.http.ChatRequestParser;
import dev.sluice.gateway.http.GatewayServer;
import dev.sluice.gateway.http.LookupHandlers;
import dev.sluice.gateway.batch.BatchHandlers;
import dev.sluice.gateway.batch.BatchService;
import dev.sluice.gateway.batch.BatchStore;
import dev.sluice.gateway.batch.OutcomeScanner;
import dev.sluice.gateway.keys.KeyDirectory;
import dev.sluice.gateway.outcome.Outcome;
import dev.sluice.gateway.outcome.OutcomeDecoder;
import dev.sluice.gateway.outcome.OutcomeLookup;
import dev.sluice.gateway.outcome.Replies;
import dev.sluice.gateway.outcome.ReplyReader;
import dev.sluice.gateway.outcome.ReplyRouter;
import dev.sluice.gateway.outcome.Waiters;
import dev.sluice.contracts.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as a stage: the key directory and the outcome listener (each a group-less reader of its topics),
 * the request publisher and the HTTP server. Any number of instances can run side by side; none holds state
 * another needs.
 */
public final class GatewayStage implements Stage {
    private static final Logger log = LoggerFactory.getLogger(GatewayStage.class);
    /** How long start() waits for the key directory and outcome listener to catch up. */
    static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);

    private final GatewayConfig config;
    private final TopicCatalog catalog;
    private final Map<String, Object> kafka;
    private final MeterRegistry meters;
    private final short replication;
    private final Clock clock;
    private KeyDirectory keys;
    private ReplyRouter router;
    private ReplyReader replies;
    private OutcomeLookup lookup;
    private RequestPublisher publisher;
    private BatchStore store;
    private BatchService batches;
    private GatewayServer server;

    public GatewayStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters, Clock clock) {
        this.config = GatewayConfig.from(config);
        this.catalog = catalog;
        this.kafka = CommonKeys.kafkaClientProperties(config);
        this.meters = meters;
        this.replication = (short) CommonKeys.read(config).intValue(CommonKeys.TOPIC_REPLICATION_FACTOR);
        this.clock = clock;
    }

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public void start() {
        String id = config.instanceId();
        Waiters waiters = new Waiters(config.recentOutcomes());
        keys = new KeyDirectory(kafka, catalog.apiKeys(), clock, "sluice-gateway-keys-" + id).start();
        OutcomeDecoder decoder = new OutcomeDecoder(catalog);
        publisher = new RequestPublisher(kafka, catalog.requests(), "sluice-gateway-" + id);
        ChatRequestParser parser = new ChatRequestParser(config.models(), config.defaultMaxOutputTokens());
        try {
            store = new BatchStore(kafka, catalog.prefix(), replication, "sluice-gateway-" + id).start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading batch metadata", e);
        }
        // Reply routing (gateway/README.md): the instances share the outcome topics as one group (the router copies each
        // gateway outcome to the reply partition its request named) and share the reply partitions as another group.
        String repliesTopic = catalog.prefix() + Replies.TOPIC;
        Replies.createTopic(kafka, repliesTopic, config.replyPartitions(), replication);
        int replyPartitions = partitionCount(repliesTopic);
        batches = new BatchService(store, parser, publisher, new OutcomeScanner(kafka, decoder, repliesTopic), replyPartitions, id, clock).start();
        lookup = new OutcomeLookup(kafka, decoder, config.outcomeLookback(), clock);
        waiters.onUnansweredDuplicate(o -> lookup.follow(o.userId(), o.requestId(), config.maxWait())
                .thenAccept(found -> found.ifPresent(waiters::offer)));
        java.util.function.Consumer<Outcome> deliver = o -> {
            waiters.offer(o);
            batches.offer(o);
        };
        replies = new ReplyReader(kafka, repliesTopic, config.groupId() + "-replies", "sluice-gateway-replies-" + id, config.maxWait(),
                r -> decoder.decode(r).ifPresent(deliver)).start();
        router = new ReplyRouter(kafka, decoder.topics(), repliesTopic, config.groupId() + "-router", "sluice-gateway-router-" + id,
                config.answerOwnOutcomes() ? answerHere(decoder, waiters, deliver) : ReplyRouter.LocalAnswer.NONE).start();
        try {
            if (!keys.tail().awaitCaughtUp(CATCH_UP_TIMEOUT)) {
                throw new IllegalStateException("the gateway could not read " + catalog.apiKeys().name() + " within " + CATCH_UP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading API keys", e);
        }
        awaitReplyPartition();
        Authenticator auth = new Authenticator(keys);
        LookupHandlers lookups = new LookupHandlers(auth, config.models(), waiters, lookup, clock.instant().getEpochSecond());
        ChatHandler chat = new ChatHandler(auth, parser, publisher, waiters, config.maxWait(), config.maxOpenWaits(),
                replies, id, clock);
        BatchHandlers batch = new BatchHandlers(auth, batches, config.maxBodyBytes(), clock);
        server = new GatewayServer(config.maxBodyBytes(), new GatewayMetrics(meters, waiters, router))
                .route("POST", "/v1/chat/completions", chat)
                .route("GET", "/v1/models", lookups::models)
                .route("GET", "/v1/sluice/requests/([^/]+)", lookups::request)
                .route("POST", "/v1/files", batch::upload)
                .route("GET", "/v1/files/([^/]+)", batch::file)
                .route("GET", "/v1/files/([^/]+)/content", batch::content)
                .route("POST", "/v1/batches", batch::create)
                .route("GET", "/v1/batches", batch::list)
                .route("GET", "/v1/batches/([^/]+)", batch::get)
                .route("POST", "/v1/batches/([^/]+)/cancel", batch::cancel)
                .start(config.port(), config.httpThreads());
        log.info("gateway {} serving the OpenAI-compatible API on port {}", id, server.port());
    }

    /**
     * An outcome the router reads for a call waiting here, named to a settled reply partition of this instance, is
     * delivered here at once: its copy could only be read by this instance's own reader (gateway/README.md).
     */
    private ReplyRouter.LocalAnswer answerHere(OutcomeDecoder decoder, Waiters waiters, java.util.function.Consumer<Outcome> deliver) {
        return (partition, record) -> {
            if (!replies.settled(partition)) {
                return null;
            }
            java.util.Optional<Outcome> outcome;
            try {
                outcome = decoder.decode(record);
            } catch (RuntimeException e) {
                return null; // copied as before: the reader meets the same record and handles it as it always has
            }
            if (outcome.isEmpty() || !waiters.waiting(outcome.get().userId(), outcome.get().requestId())) {
                return null;
            }
            return () -> deliver.accept(outcome.get());
        };
    }

    /** The group assigns reply partitions a moment after joining; calls made before then could not name one. */
    private void awaitReplyPartition() {
        long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (replies.replyPartition().isEmpty() && System.nanoTime() < deadline && replies.alive()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for a reply partition", e);
            }
        }
        if (replies.replyPartition().isEmpty()) {
            log.warn("gateway {} owns no partition of the reply topic: more instances than gateway.reply.partitions? Chat calls "
                    + "are answered 503 until one is assigned", config.instanceId());
        }
    }

    /** Partitions of {@code topic}; a topic created a moment ago may take a while to be known to every broker. */
    private int partitionCount(String topic) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka)) {
            while (true) {
                try {
                    return admin.describeTopics(java.util.List.of(topic)).allTopicNames().get(30, java.util.concurrent.TimeUnit.SECONDS)
                            .get(topic).partitions().size();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                        throw new IllegalStateException("could not describe " + topic + ": " + e.getMessage(), e);
                    }
                    Thread.sleep(100);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted describing " + topic, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not describe " + topic + ": " + e.getMessage(), e);
        }
    }

    /** The reply router (this instance's share of the outcome topics), for tests and metrics. */
    public ReplyRouter router() {
        return router;
    }

    /** The reply reader (this instance's reply partitions), for tests and metrics. */
    public ReplyReader replies() {
        return replies;
    }

    /** The bound port of the API (useful with {@code gateway.port=0}). */
    public int port() {
        return server.port();
    }

    /** Base URL for OpenAI SDKs on this host, e.g. {@code http://localhost:8088/v1}. */
    public String baseUrl() {
        return "http://localhost:" + port() + "/v1";
    }

    @Override
    public StageHealth health() {
        Map<String, String> details = new LinkedHashMap<>();
        boolean keysReady = keys != null && keys.ready();
        boolean outcomesReady = router != null && router.alive() && replies != null && replies.alive() && replies.replyPartition().isPresent();
        details.put("keys", keysReady ? "UP" : "CATCHING_UP");
        details.put("outcomes", outcomesReady ? "UP" : "NO_REPLY_PARTITION");
        details.put("replyPartitions", replies == null ? "-" : replies.owned().toString());
        details.put("port", server == null ? "-" : Integer.toString(server.port()));
        boolean ready = keysReady && outcomesReady && server != null;
        return new StageHealth(true, ready, false, details);
    }

    @Override
    public void close() {
        // Stop taking calls first, then the readers; requests already published still complete in the pipeline.
        for (AutoCloseable c : new AutoCloseable[] {server, batches, replies, router, lookup, publisher, store, keys}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.warn("closing the gateway: {}", e.toString());
                }
            }
        }
    }
}
