package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.contracts.Pipeline;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class TopicsCreateIT {
    @Test
    void shouldCreateEveryTopicAndRegisterEverySchemaIdempotently(KafkaBroker kafka, SchemaRegistryServer registry) throws Exception {
        String prefix = SluiceInfra.uniquePrefix("topics");
        Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix, "SLUICE_TOPIC_PARTITIONS", "3");

        Launch first = Launch.inProcess(env, "topics", "create");
        Launch second = Launch.inProcess(env, "topics", "create");

        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(first.out().lines().filter(l -> l.startsWith("topic ") && l.contains(" created "))).hasSize(Pipeline.TOPICS.size());
        assertThat(second.out().lines().filter(l -> l.startsWith("topic ") && l.contains(" exists "))).hasSize(Pipeline.TOPICS.size());
        assertThat(second.out()).contains("subject " + prefix + "llm.requests-value");
        try (Admin admin = kafka.admin()) {
            Set<String> names = admin.listTopics().names().get();
            assertThat(names).contains(prefix + "llm.requests", prefix + "llm.requests.admitted", prefix + "llm.requests.rejected",
                    prefix + "llm.requests.enriched", prefix + "llm.results", prefix + "llm.costs", prefix + "llm.dlq",
                    prefix + "llm.user-policies", prefix + "llm.generation.ledger", prefix + "llm.api-keys");
            assertThat(admin.describeTopics(Set.of(prefix + "llm.costs")).allTopicNames().get()
                    .get(prefix + "llm.costs").partitions()).hasSize(3);
        }
        HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(subjects.body()).contains(prefix + "llm.results-value").contains(prefix + "llm.costs-value")
                .contains(prefix + "llm.user-policies-value");
    }

    @Test
    void shouldRefuseCostsTopicWithDifferentPartitionsThanRequests(KafkaBroker kafka, SchemaRegistryServer registry) {
        String prefix = SluiceInfra.uniquePrefix("copart");
        kafka.createTopics(2, prefix + "llm.costs");
        Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix, "SLUICE_TOPIC_PARTITIONS", "3");

        Launch run = Launch.inProcess(env, "topics", "create");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(prefix + "llm.costs has 2 partitions").doesNotContain("\tat ");
    }

}
