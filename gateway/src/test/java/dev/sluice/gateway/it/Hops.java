package dev.sluice.gateway.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.sluice.common.CommonKeys;
import dev.sluice.gateway.TopicTail;
import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.contracts.Topic;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Where a request's time goes between the stages: read_committed tails on {@code llm.requests.admitted},
 * {@code llm.requests.enriched} and {@code llm.results} note, per request id, the wall-clock time its record became
 * visible to a read_committed reader (i.e. after the writing stage's transaction committed) and the broker's append
 * time of the record (the three topics are switched to {@code LogAppendTime} for the run). So for every hop:
 * {@code previous visible → appended} is the stage's work (poll, processing, the provider call for generation) and
 * {@code appended → visible} the wait for the stage's transaction commit (plus this reader's fetch). All times in
 * ms of the same machine's wall clock.
 */
final class Hops implements AutoCloseable {
    /** Per request: sent, admitted appended/visible, enriched appended/visible, result appended/visible, answered. */
    static final int SENT = 0, ADM_APP = 1, ADM_VIS = 2, ENR_APP = 3, ENR_VIS = 4, RES_APP = 5, RES_VIS = 6, DONE = 7;
    static final String[] SEGMENTS = {
        "sent → admitted appended (ingest work)", "admitted appended → visible (ingest commit)",
        "admitted visible → enriched appended (enrichment work)", "enriched appended → visible (enrichment commit)",
        "enriched visible → result appended (generation incl. provider)", "result appended → visible (generation commit)",
        "result visible → answered (reply hop + answer)"};

    /** Off by default: three read_committed readers fetching every 5 ms cost ~0.3-0.4 of a core (both JVMs) on the cores measured. */
    static final boolean ON = Boolean.getBoolean("bench.hops");

    private final Map<String, long[]> times = new ConcurrentHashMap<>();
    private final List<TopicTail> tails = new ArrayList<>();

    Hops(Pipeline pipeline, String bootstrap) throws InterruptedException {
        if (!ON) {
            return; // no per-hop split: no LogAppendTime switch, and none of its readers' CPU on the machine
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
            for (String t : List.of(pipeline.catalog.admitted().name(), pipeline.catalog.enriched().name(), pipeline.catalog.results().name())) {
                ops.put(new ConfigResource(ConfigResource.Type.TOPIC, t),
                        List.of(new AlterConfigOp(new ConfigEntry("message.timestamp.type", "LogAppendTime"), AlterConfigOp.OpType.SET)));
            }
            admin.incrementalAlterConfigs(ops).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not switch the stage topics to LogAppendTime", e);
        }
        Map<String, Object> kafka = new HashMap<>(CommonKeys.kafkaClientProperties(pipeline.config));
        kafka.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5); // see a record as soon as it is visible
        tail("bench-hops-admitted", kafka, pipeline.catalog.admitted(), (AdmittedRequest a) -> a.getRequest().getRequestId(), ADM_APP);
        tail("bench-hops-enriched", kafka, pipeline.catalog.enriched(), (EnrichedRequest e) -> e.getAdmitted().getRequest().getRequestId(), ENR_APP);
        tail("bench-hops-results", kafka, pipeline.catalog.results(), GenerationResult::getRequestId, RES_APP);
        for (TopicTail t : tails) {
            t.awaitCaughtUp(Duration.ofSeconds(30));
        }
    }

    private <V> void tail(String name, Map<String, Object> kafka, Topic<String, V> topic, Function<V, String> id, int slot) {
        tails.add(new TopicTail(name, kafka, List.of(topic.name()), c -> c.endOffsets(c.assignment()), (ConsumerRecord<byte[], byte[]> r) -> {
            long now = System.currentTimeMillis();
            long[] t = times.get(id.apply(topic.valueSerde().deserializer().deserialize(topic.name(), r.headers(), r.value())));
            if (t != null) {
                t[slot] = r.timestamp();
                t[slot + 1] = now;
            }
        }).start());
    }

    /** Forgets the last row's requests. */
    void reset() {
        times.clear();
    }

    void sent(String requestId) {
        if (!ON) {
            return;
        }
        long[] t = new long[8];
        t[SENT] = System.currentTimeMillis();
        times.put(requestId, t);
    }

    void answered(String requestId) {
        long[] t = times.get(requestId);
        if (t != null) {
            t[DONE] = System.currentTimeMillis();
        }
    }

    /** p50 / p99 of each segment over the requests seen at every point; one line per segment. */
    String split() {
        if (!ON) {
            return "off (-Dbench.hops=true turns it on)\n";
        }
        List<long[]> complete = times.values().stream().filter(t -> java.util.Arrays.stream(t).allMatch(v -> v > 0)).toList();
        StringBuilder out = new StringBuilder();
        for (int s = 0; s < SEGMENTS.length; s++) {
            int from = s, to = s + 1;
            long[] d = complete.stream().mapToLong(t -> t[to] - t[from]).sorted().toArray();
            out.append(String.format("%s: %s%n", SEGMENTS[s], d.length == 0 ? "-" : d[d.length / 2] + " / " + d[Math.min(d.length - 1, (int) (d.length * 0.99))] + " ms"));
        }
        long[] total = complete.stream().mapToLong(t -> t[DONE] - t[SENT]).sorted().toArray();
        out.append(String.format("total (%d requests seen at every point): %s%n", complete.size(),
                total.length == 0 ? "-" : total[total.length / 2] + " / " + total[Math.min(total.length - 1, (int) (total.length * 0.99))] + " ms"));
        return out.toString();
    }

    @Override
    public void close() {
        tails.forEach(TopicTail::close);
    }
}
