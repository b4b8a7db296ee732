package dev.sluice.gateway;

import java.util.concurrent.TimeUnit;

import dev.sluice.gateway.http.GatewayServer;
import dev.sluice.gateway.outcome.ReplyRouter;
import dev.sluice.gateway.outcome.Waiters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The gateway's meters: {@code sluice_gateway_requests_total{route,status}}, the time from request to answer
 * ({@code sluice_gateway_answer_seconds{route}}, which is the wait for the pipeline on chat calls) and the
 * calls waiting right now ({@code sluice_gateway_open_waits}), and how this instance's router passed on the gateway
 * outcomes it read ({@code sluice_gateway_outcomes_total{path}}: {@code home} answered here without a copy,
 * {@code copied} through {@code llm.gateway.replies}).
 */
final class GatewayMetrics implements GatewayServer.Observer {
    private final MeterRegistry registry;

    GatewayMetrics(MeterRegistry registry, Waiters waiters, ReplyRouter router) {
        this.registry = registry;
        Gauge.builder("sluice.gateway.open.waits", waiters, Waiters::open).description("calls waiting for their outcome").register(registry);
        FunctionCounter.builder("sluice.gateway.outcomes", router, ReplyRouter::answeredHere).tag("path", "home")
                .description("gateway outcomes this instance's router answered itself, without a copy").register(registry);
        FunctionCounter.builder("sluice.gateway.outcomes", router, ReplyRouter::forwarded).tag("path", "copied")
                .description("gateway outcomes this instance's router copied to llm.gateway.replies").register(registry);
    }

    @Override
    public void answered(String route, int status, long nanos) {
        Counter.builder("sluice.gateway.requests").tag("route", route).tag("status", Integer.toString(status))
                .description("answered calls by route and HTTP status").register(registry).increment();
        Timer.builder("sluice.gateway.answer").tag("route", route).publishPercentiles(0.5, 0.99)
                .description("time from request to answer").register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }
}
