package dev.sluice.generation.provider;

import java.nio.file.Files;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider that calls nothing: answers after a sampled latency with made-up text, deterministic token counts
 * (input ≈ characters / 4, output = min(configured, maxOutputTokens)) and, with a configured probability, a
 * failure of a configured class. For demos, tests and benchmarks; serves any model. While the configured outage
 * file exists (checked at most every {@value #OUTAGE_CHECK_MILLIS} ms) every call fails as OVERLOADED.
 */
public final class SimulatedProvider implements LlmProvider {
    private final SimulatedSettings settings;
    private final ScheduledExecutorService scheduler;
    private final SplittableRandom seed;
    private final AtomicLong calls = new AtomicLong();
    static final long OUTAGE_CHECK_MILLIS = 50;
    private volatile long outageCheckedNanos = System.nanoTime() - OUTAGE_CHECK_MILLIS * 2_000_000;
    private volatile boolean outage;

    public SimulatedProvider(SimulatedSettings settings, ScheduledExecutorService scheduler) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.seed = new SplittableRandom(settings.seed());
    }

    @Override
    public String name() {
        return "simulated";
    }

    /** Calls started so far (every attempt counts). */
    public long calls() {
        return calls.get();
    }

    @Override
    public CompletableFuture<Completion> complete(CompletionRequest request) {
        calls.incrementAndGet();
        SplittableRandom random;
        synchronized (seed) {
            random = seed.split();
        }
        long latency = settings.sampleLatencyMillis(random);
        boolean down = inOutage();
        boolean fail = down || settings.failureRate() > 0 && random.nextDouble() < settings.failureRate();
        CompletableFuture<Completion> answer = new CompletableFuture<>();
        Runnable finish = () -> {
            if (down) {
                answer.completeExceptionally(ProviderException.of(ErrorClass.OVERLOADED, "simulated outage (outage file present)"));
            } else if (fail) {
                answer.completeExceptionally(ProviderException.of(settings.failureClass(),
                        "simulated " + settings.failureClass() + " failure"));
            } else {
                answer.complete(completion(request));
            }
        };
        if (latency <= 0) {
            finish.run();
        } else {
            scheduler.schedule(finish, latency, TimeUnit.MILLISECONDS);
        }
        return answer;
    }

    private boolean inOutage() {
        if (settings.outageFile() == null) {
            return false;
        }
        long now = System.nanoTime();
        if (now - outageCheckedNanos >= OUTAGE_CHECK_MILLIS * 1_000_000) {
            outage = Files.exists(settings.outageFile());
            outageCheckedNanos = now;
        }
        return outage;
    }

    private Completion completion(CompletionRequest request) {
        long chars = request.messages().stream().mapToLong(m -> m.content().length()).sum();
        long input = Math.max(1, (chars + 3) / 4);
        long output = Math.min(settings.outputTokens(), Math.max(1, request.maxOutputTokens()));
        String finish = output < settings.outputTokens() ? "length" : "stop";
        return new Completion("Simulated answer (" + output + " tokens) from " + request.model() + ".", finish, input, output);
    }

    @Override
    public List<String> secrets() {
        return List.of();
    }
}
