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
import dev.sluice.gateway.outcome.OutcomeDecoder;
import dev.sluice.gateway.outcome.OutcomeListener;
import dev.sluice.gateway.outcome.Waiters;
import dev.sluice.schemas.TopicCatalog;
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
    private OutcomeListener outcomes;
    private RequestPublisher publisher;
    private BatchStore store;
    private BatchService batches;
    private GatewayServer server;

    public GatewayStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters, Clock clock) {
        this.config = GatewayConfig.from(config);
        this.catalog = catalog;
        this.kafka = CommonKeys.kafkaClientProperties(config);
        this.meters = meters;
        this.replication = (short) config.intValue(CommonKeys.TOPIC_REPLICATION_FACTOR, 1, 1, Short.MAX_VALUE);
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
        batches = new BatchService(store, parser, publisher, new OutcomeScanner(kafka, decoder, clock), id, clock).start();
        outcomes = new OutcomeListener(kafka, decoder, o -> {
            waiters.offer(o);
            batches.offer(o);
        }, config.outcomeLookback(), clock, "sluice-gateway-outcomes-" + id).start();
        try {
            if (!keys.tail().awaitCaughtUp(CATCH_UP_TIMEOUT)) {
                throw new IllegalStateException("the gateway could not read " + catalog.apiKeys().name() + " within " + CATCH_UP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading API keys", e);
        }
        Authenticator auth = new Authenticator(keys);
        LookupHandlers lookups = new LookupHandlers(auth, config.models(), waiters, clock.instant().getEpochSecond());
        ChatHandler chat = new ChatHandler(auth, parser, publisher, waiters, config.maxWait(), id, clock);
        BatchHandlers batch = new BatchHandlers(auth, batches, config.maxBodyBytes(), clock);
        server = new GatewayServer(config.maxBodyBytes(), new GatewayMetrics(meters, waiters))
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
        boolean outcomesReady = outcomes != null && outcomes.ready();
        details.put("keys", keysReady ? "UP" : "CATCHING_UP");
        details.put("outcomes", outcomesReady ? "UP" : "CATCHING_UP");
        details.put("port", server == null ? "-" : Integer.toString(server.port()));
        boolean ready = keysReady && outcomesReady && server != null;
        return new StageHealth(true, ready, false, details);
    }

    @Override
    public void close() {
        // Stop taking calls first, then the readers; requests already published still complete in the pipeline.
        for (AutoCloseable c : new AutoCloseable[] {server, batches, outcomes, publisher, store, keys}) {
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
