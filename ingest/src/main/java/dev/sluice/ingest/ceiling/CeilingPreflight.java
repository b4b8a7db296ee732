package dev.sluice.ingest.ceiling;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Checked at start when a ceiling is set: every partition's base share is {@code ceiling / 2 / P} with P the configured
 * partition count, so llm.requests must really have P partitions (more would hand out more base shares than the
 * ceiling allows), llm.budget.lease-grants too (a grant must reach its task), and llm.budget.lease-requests exactly one
 * (one coordinator).
 */
public final class CeilingPreflight {
    private CeilingPreflight() {}

    /** Throws {@link IllegalStateException} naming the topic, its partitions and what is needed. */
    public static void require(Admin admin, TopicCatalog topics) throws ExecutionException, InterruptedException {
        int p = topics.requests().partitions();
        Map<String, TopicDescription> d = admin.describeTopics(List.of(topics.requests().name(),
                topics.budgetLeaseGrants().name(), topics.budgetLeaseRequests().name())).allTopicNames().get();
        check(d, topics.requests().name(), p, "the configured topic.partitions, which the ceiling's base shares divide by");
        check(d, topics.budgetLeaseGrants().name(), p, "as many as " + topics.requests().name());
        check(d, topics.budgetLeaseRequests().name(), 1, "one, so a single coordinator decides every grant");
    }

    private static void check(Map<String, TopicDescription> d, String topic, int wanted, String why) {
        int actual = d.get(topic).partitions().size();
        if (actual != wanted) {
            throw new IllegalStateException(topic + " has " + actual + " partitions; the global spend ceiling needs "
                    + wanted + " (" + why + ")");
        }
    }
}
