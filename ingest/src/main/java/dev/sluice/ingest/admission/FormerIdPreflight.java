package dev.sluice.ingest.admission;

import java.util.Map;
import java.util.concurrent.ExecutionException;

import dev.sluice.contracts.TopicCatalog;
import dev.sluice.ingest.IngestConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses to start admission under a new application id when the former default id ({@value IngestConfig#DEFAULT_APPLICATION_ID},
 * which ignored {@code topic.prefix} before issue 16) has read this deployment's requests topic and the new id has
 * not. Starting would begin a new consumer group with empty state: the windows, the dedupe horizon and the held
 * reservations would start from nothing and requests already decided could be decided again. The operator chooses:
 * keep the former id, or delete the former group to start afresh on purpose.
 */
public final class FormerIdPreflight {
    private static final Logger log = LoggerFactory.getLogger(FormerIdPreflight.class);

    private FormerIdPreflight() {}

    /** Throws IllegalStateException naming both ids, the key and both fixes when the upgrade would lose admission's state. */
    public static void require(Admin admin, TopicCatalog topics, String applicationId) throws InterruptedException, ExecutionException {
        String former = IngestConfig.DEFAULT_APPLICATION_ID;
        String requests = topics.requests().name();
        if (applicationId.equals(former) || !hasRead(admin, former, requests) || hasRead(admin, applicationId, requests)) {
            return;
        }
        throw new IllegalStateException("the application id '" + former + "' has read " + requests + " (it is the id ingest used by "
                + "default before ids followed topic.prefix) and '" + applicationId + "' has not: starting as '" + applicationId
                + "' would begin with empty admission state (windows, dedupe horizon, reservations) and could decide requests again. "
                + "Keep the former state: set " + IngestConfig.APPLICATION_ID + "=" + former + ". Start afresh on purpose: delete the "
                + "former group first (kafka-consumer-groups --bootstrap-server <host:port> --delete --group " + former + ")");
    }

    /** Whether {@code group} has a committed offset on a partition of {@code topic}. */
    private static boolean hasRead(Admin admin, String group, String topic) throws InterruptedException, ExecutionException {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
            offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return false;
            }
            if (e.getCause() instanceof AuthorizationException) {
                // A principal allowed only its own group cannot see the former one: nothing to protect from here.
                log.info("cannot read the committed offsets of group {} ({}); skipping the former-id check", group,
                        e.getCause().getClass().getSimpleName());
                return false;
            }
            throw e;
        }
        return offsets.entrySet().stream().anyMatch(o -> o.getKey().topic().equals(topic) && o.getValue() != null);
    }
}
