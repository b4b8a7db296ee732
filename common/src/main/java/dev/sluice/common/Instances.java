package dev.sluice.common;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;

/** Where a stage instance's stable identity comes from when its configuration names none. */
public final class Instances {
    /** The documentation of a Kafka Streams stage's {@code <stage>.instance.id} key (admission, analytics). */
    public static final String STREAMS_INSTANCE_ID_DOC = "This instance's stable id: its consumers' `group.instance.id` (Kafka "
            + "Streams adds `-<thread>`), so an instance restarted after a crash takes its partitions back at once instead of "
            + "waiting for the broker to expire its dead predecessor (`kafka.session.timeout.ms`, 45 s by default). Must differ "
            + "between instances of the application and stay the same across an instance's restarts; the default does both as "
            + "long as each instance keeps its host name or its `state.dir`. A `kafka.group.instance.id` or "
            + "`kafka.group.protocol=streams` (which has no static members) leaves it unused. A clean stop still leaves the "
            + "group at once.";
    /** How the documentation states the default of such a key: {@link #ofStateDir}. */
    public static final String STREAMS_INSTANCE_ID_DEFAULT = "the host name and a hash of `state.dir`'s absolute path";

    private Instances() {}

    /**
     * This machine's host name, {@code localhost} when it cannot be resolved: the same across restarts of a process on
     * one host (a pod keeps its name across container restarts), different between hosts.
     */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The host name and a hash of {@code stateDir}'s absolute path ({@code host-1a2b3c4d}): the same across restarts of
     * the instance whose local state lives there, and different between instances on one host, since each needs a state
     * directory of its own (Kafka Streams locks it).
     */
    public static String ofStateDir(String stateDir) {
        String path = Path.of(stateDir).toAbsolutePath().normalize().toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return hostName() + "-" + HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * Makes a Kafka Streams instance a static member of its group: its consumers get {@code instanceId} as their
     * {@code group.instance.id} (Kafka Streams adds {@code -<thread>}), so the instance restarted after a crash rejoins
     * as the member it was and gets its tasks back at once, instead of waiting for the broker to expire the dead member
     * (the session timeout). Nothing is set when the deployment names its own id (plain, {@code main.consumer.} or
     * {@code consumer.}) or the {@code streams} group protocol, which has no static members (Kafka Streams refuses an id
     * with it). The keys are Kafka Streams' own; common does not depend on Kafka Streams.
     */
    public static void joinAsStaticMember(Map<? super String, ? super String> streamsProperties, String instanceId) {
        String id = ConsumerConfig.GROUP_INSTANCE_ID_CONFIG;
        if (!streamsProperties.containsKey(id) && !streamsProperties.containsKey("main.consumer." + id)
                && !streamsProperties.containsKey("consumer." + id)
                && !"streams".equalsIgnoreCase(String.valueOf(streamsProperties.get("group.protocol")))) {
            streamsProperties.put(id, instanceId);
        }
    }
}
