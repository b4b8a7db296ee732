package dev.sluice.ingest.admission;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Refuses to start admission on topics whose record time the producer chooses. Every limit, UTC day and horizon is
 * decided on the record timestamp of llm.requests and llm.costs; with {@code CreateTime} a producer could stamp its
 * requests 100 days ago (a fresh day each) or an hour ahead, and the outputs would inherit that time and fall to
 * retention unread. {@code sluice topics create} sets {@code LogAppendTime}; this catches topics made otherwise.
 */
public final class BrokerTimePreflight {
    static final String LOG_APPEND_TIME = "LogAppendTime";

    private BrokerTimePreflight() {}

    /** Throws IllegalStateException naming every broker-timed topic that is not LogAppendTime, and the fix. */
    public static void require(Admin admin, TopicCatalog topics) throws InterruptedException, ExecutionException {
        List<Topic<?, ?>> timed = List.of(topics.requests(), topics.costs());
        List<ConfigResource> resources = timed.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
        Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get();
        List<String> wrong = new ArrayList<>();
        for (ConfigResource r : resources) {
            ConfigEntry type = configs.get(r).get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
            String value = type == null ? "CreateTime" : type.value();
            if (!LOG_APPEND_TIME.equals(value)) {
                wrong.add(r.name() + " (" + value + ")");
            }
        }
        if (!wrong.isEmpty()) {
            throw new IllegalStateException(String.join(", ", wrong) + " must have " + TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG
                    + "=" + LOG_APPEND_TIME + " so limits and budgets run on broker time, not on times a producer chooses. Fix: "
                    + "kafka-configs --bootstrap-server <host:port> --alter --entity-type topics --entity-name <topic> --add-config "
                    + TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG + "=" + LOG_APPEND_TIME + " for each, then start again");
        }
    }
}
