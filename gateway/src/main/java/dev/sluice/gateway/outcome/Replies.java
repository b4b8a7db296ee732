package dev.sluice.gateway.outcome;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.sluice.common.ReplyHeaders;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Utils;

/**
 * The gateway's reply topic {@code llm.gateway.replies}: outcomes of gateway requests, each copied (by a
 * {@link ReplyRouter}) to the partition named in the request's {@link ReplyHeaders#REPLY_TO} header, where the one
 * instance owning that partition ({@link ReplyReader}) reads it. The header value is the partition number.
 */
public final class Replies {
    /** Name of the reply topic (after the topic prefix). */
    public static final String TOPIC = dev.sluice.contracts.TopicNames.GATEWAY_REPLIES;
    /** Header on a reply naming the outcome topic it was copied from (the decoder needs it). */
    public static final String SOURCE = "sluice.reply.source";
    /** Retention of replies: 7 days, like the outcome topics (batch output files are rebuilt from it). */
    static final long RETENTION_MS = 7L * 24 * 3600 * 1000;

    private Replies() {}

    /** Headers asking for the outcome to be sent to {@code partition} of the reply topic. */
    public static Headers replyTo(int partition) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ReplyHeaders.REPLY_TO, Integer.toString(partition).getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** The reply partition a header value names, or -1 if it names none of {@code partitions}. */
    static int parse(byte[] value, int partitions) {
        try {
            int p = Integer.parseInt(new String(value, StandardCharsets.UTF_8).trim());
            return p >= 0 && p < partitions ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A fixed reply partition for a key (a batch's lines all reply to the partition of their batch id). */
    public static int partitionOf(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** Creates the reply topic if it does not exist. */
    public static void createTopic(Map<String, Object> kafka, String name, int partitions, short replication) {
        try (Admin admin = Admin.create(kafka)) {
            admin.createTopics(Set.of(new NewTopic(name, partitions, replication)
                    .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(RETENTION_MS))))).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create " + name + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + name, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating " + name, e);
        }
    }
}
