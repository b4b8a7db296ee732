package dev.sluice.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import dev.sluice.gateway.GatewayStage;
import dev.sluice.gateway.http.ChatHandler;
import dev.sluice.gateway.http.Completions;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Partitions move while calls wait: with two instances running, a third joins and then leaves while one of the two
 * answers a steady stream of calls, with outcomes answered at home on. Both consumer groups rebalance twice mid-call
 * (the called instance's share of the outcome topics and of the reply partitions moves to the newcomer and back), and
 * every call must still get exactly its own answer within its wait.
 *
 * <p>Not covered here: a call naming a reply partition that moves away (the old owner reads it on for the longest
 * wait). The sticky assignor keeps an instance's lowest partition, the one its calls name, in these moves.
 */
@Tag("integration")
@Timeout(300)
@ExtendWith(SluiceInfra.class)
class RebalanceMidCallIT {
    /** The longest wait: a call not answered within it gets a 504, which this test counts as a failure. */
    static final long MAX_WAIT_MS = 8_000;
    static final int CALLS_PER_SECOND = 20;
    static final int SECONDS = 24;

    @Test
    void shouldAnswerEveryCallWithItsOwnOutcomeWhileAThirdInstanceJoinsAndLeaves(KafkaBroker kafka, SchemaRegistryServer registry,
                                                                                 RedisServer redis) throws Exception {
        Map<String, String> settings = Map.of("gateway.max.wait.ms", Long.toString(MAX_WAIT_MS));
        try (Pipeline pipeline = new Pipeline("gateway-rebalance", kafka, registry, redis, Map.of())) {
            GatewayStage first = pipeline.gateway("gw-first", settings);
            // Calls go to the second; the first only shares the routing, as any other instance would.
            GatewayStage staying = pipeline.gateway("gw-stay", settings);
            await().atMost(Duration.ofSeconds(60)).until(() -> staying.replies().owned().size() == 8 && first.replies().owned().size() == 8);
            int reply = staying.replies().replyPartition().orElseThrow();
            await().atMost(Duration.ofSeconds(60)).until(() -> staying.replies().settled(reply)); // answering at home from here
            assertThat(staying.router().assignment()).as("the called instance routes a share of the outcomes").isNotEmpty();
            // users key every outcome topic, so several users spread the outcomes over every router's share
            List<String> users = List.of("rita", "sam", "tess", "umar", "vera", "walt");
            List<String> keys = users.stream().map(u -> pipeline.key(u, "PRO")).toList();
            HttpClient http = HttpClient.newHttpClient();
            long answeredHomeBefore = staying.router().answeredHere();

            List<String> expectedIds = new ArrayList<>();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            GatewayStage joining = null;
            int routedShareBefore = staying.router().assignment().size();
            int routedShareJoined = -1;
            long start = System.nanoTime();
            for (int i = 0; i < CALLS_PER_SECOND * SECONDS; i++) {
                long due = start + i * 1_000_000_000L / CALLS_PER_SECOND;
                long sleepNanos = due - System.nanoTime();
                if (sleepNanos > 0) {
                    Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
                }
                String idempotencyKey = "moving-" + i + "-" + UUID.randomUUID();
                int user = i % users.size();
                expectedIds.add(Completions.id(ChatHandler.requestId(users.get(user), idempotencyKey)));
                calls.add(http.sendAsync(call(staying, keys.get(user), idempotencyKey, "question " + i), HttpResponse.BodyHandlers.ofString()));
                if (i == CALLS_PER_SECOND * 4) {
                    joining = pipeline.gateway("gw-join", settings); // both groups rebalance while calls wait
                } else if (i == CALLS_PER_SECOND * 12) {
                    routedShareJoined = staying.router().assignment().size();
                } else if (i == CALLS_PER_SECOND * 14) {
                    joining.close(); // and again: its partitions come back while calls wait
                }
            }

            for (int i = 0; i < calls.size(); i++) {
                HttpResponse<String> answer = calls.get(i).join();
                assertThat(answer.statusCode()).as("call %d: %s", i, answer.body()).isEqualTo(200);
                assertThat(answer.body()).as("call %d answers its own request", i).contains("\"id\":\"" + expectedIds.get(i) + "\"");
            }
            // The partitions moved under live calls, not beside them: the called instance's share of the outcome topics
            // (9 partitions) shrank while three instances ran and grew back; it answered outcomes at home throughout.
            int routedShareAfter = staying.router().assignment().size();
            assertThat(routedShareJoined).as("outcome partitions routed by the called instance, three instances running")
                    .isLessThan(routedShareBefore).isLessThan(routedShareAfter).isPositive();
            assertThat(staying.router().answeredHere() - answeredHomeBefore).as("outcomes answered at home").isPositive();
        }
    }

    private static HttpRequest call(GatewayStage gateway, String key, String idempotencyKey, String prompt) {
        return HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/chat/completions"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("Idempotency-Key", idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}")).build();
    }
}
