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
import dev.sluice.gateway.keys.KeyDirectory;
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
    private final Clock clock;
    private KeyDirectory keys;
    private OutcomeListener outcomes;
    private RequestPublisher publisher;
    private GatewayServer server;

    public GatewayStage(SluiceConfig config, TopicCatalog catalog, MeterRegistry meters, Clock clock) {
        this.config = GatewayConfig.from(config);
        this.catalog = catalog;
        this.kafka = CommonKeys.kafkaClientProperties(config);
        this.meters = meters;
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
        outcomes = new OutcomeListener(kafka, catalog, waiters, config.outcomeLookback(), clock, "sluice-gateway-outcomes-" + id).start();
        publisher = new RequestPublisher(kafka, catalog.requests(), "sluice-gateway-" + id);
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
        ChatHandler chat = new ChatHandler(auth, new ChatRequestParser(config.models(), config.defaultMaxOutputTokens()), publisher,
                waiters, config.maxWait(), id, clock);
        server = new GatewayServer(config.maxBodyBytes(), new GatewayMetrics(meters, waiters))
                .route("POST", "/v1/chat/completions", chat)
                .route("GET", "/v1/models", lookups::models)
                .route("GET", "/v1/sluice/requests/([^/]+)", lookups::request)
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
        for (AutoCloseable c : new AutoCloseable[] {server, publisher, outcomes, keys}) {
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
