package dev.sluice.reliability;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.sluice.common.CommonKeys;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.testkit.llm.Fault;
import dev.sluice.testkit.llm.MockLlmServer;

/**
 * R5 with the Anthropic provider: a generation process of its own ({@code provider=anthropic},
 * {@code ANTHROPIC_API_KEY}) fed enriched requests directly, while the mock's Anthropic-shaped error bodies echo the
 * key, the {@code x-api-key} and {@code Authorization} headers and the prompt in phases of 400, 401, 500 and 529.
 * Same scan as R5 over this deployment's topics and logs.
 */
final class AnthropicSecretsScenario {
    static final String MODEL = "claude-haiku-4-5";
    private static final List<Fault> PHASES = List.of(Fault.echoSecrets(400), Fault.echoSecrets(401), Fault.echoSecrets(500),
            Fault.echoSecrets(529), Fault.none());

    private AnthropicSecretsScenario() {}

    static Verdict run(Suite suite) throws InterruptedException {
        int n = suite.scale.outageRequests() / 10;
        try (MockLlmServer mock = MockLlmServer.start().latency(Suite.PROVIDER_LATENCY);
             Pipeline p = new Pipeline("R5b-anthropic", suite.kafka, suite.registry, suite.redis, mock, Map.of(
                     CommonKeys.PROVIDER, "anthropic",
                     CommonKeys.PROVIDER_BASE_URL, mock.anthropicBaseUrl(),
                     "generation.breaker.open.ms", "2000",
                     "generation.breaker.wait.deadline.ms", "2000"));
             GenerationAlone generation = GenerationAlone.start(p, MODEL)) {
            List<EnrichedRequest> sent = new ArrayList<>();
            for (int phase = 0; phase < PHASES.size(); phase++) {
                mock.always(PHASES.get(phase));
                List<EnrichedRequest> batch = new ArrayList<>();
                for (int i = 0; i < n / PHASES.size(); i++) {
                    batch.add(generation.request("r5b-" + (i % 10), i));
                }
                generation.send(batch);
                sent.addAll(batch);
                generation.outcomes().awaitSettled(sent.size(), Duration.ofMillis(500), Duration.ofMinutes(5)); // answered under this phase
            }
            generation.outcomes().awaitSettled(sent.size(), Verdict.QUIET, Duration.ofMinutes(5));

            Set<String> ids = sent.stream().map(Enriched::id).collect(Collectors.toSet());
            Checker checker = new Checker(p, mock);
            Checker.Snapshot s = checker.snapshot();
            long inTopics = checker.secretsInTopics();
            long inLogs = checker.secretsInLogs();
            long planted = checker.occurrences(("x-api-key: " + p.apiKey).getBytes(StandardCharsets.UTF_8));
            long prompts = checker.promptTextInLetterHeadersAndLogs();
            long letters = ids.stream().filter(s.dead::containsKey).count();
            return new Verdict("R5b secrets (Anthropic)", ids.size(), "key-echoing 400/401/500/529 phases", s, ids, inTopics + inLogs)
                    .check("the mock echoed the key in error bodies", ProviderOutageScenario.echoedKey(mock, p.apiKey))
                    .check("the scanner finds a planted key", planted == 1)
                    .check("exactly one outcome per request", s.multipleOutcomes(ids) == 0)
                    .check("dead letters were written (their messages were scanned)", letters > 0)
                    .check("no prompt text in dead-letter headers or logs: " + prompts, prompts == 0)
                    .note(String.format("own generation process; %d occurrences in topics, %d in logs; %d dead letters %s", inTopics,
                            inLogs, letters, RedisOutageScenario.deadClasses(s, ids)));
        }
    }
}
