package dev.sluice.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.EnrichedRequest;
import dev.sluice.schema.GenerationResult;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.testkit.llm.MockLlmServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The independent checker: reads every output topic {@code read_committed} as raw bytes, decodes the records itself,
 * attributes dead letters by decoding their original bytes (or by the fingerprint of bytes the workload sent), counts
 * provider calls per request from the mock's call log, and scans every topic of the deployment (aborted data
 * included) and every captured log for the API key. It shares no code with the stages' dedupe or accounting.
 */
final class Checker {
    private static final Pattern RID = Pattern.compile("rid:([0-9a-f-]{36})");

    private final Pipeline pipeline;
    private final MockLlmServer mock;

    Checker(Pipeline pipeline, MockLlmServer mock) {
        this.pipeline = pipeline;
        this.mock = mock;
    }

    /** Everything the topics and the call log say, as of now. */
    Snapshot snapshot() {
        Snapshot s = new Snapshot();
        var catalog = pipeline.catalog;
        var results = catalog.results().valueSerde().deserializer();
        TopicScan.read(pipeline.kafka, catalog.results().name(), true, r -> {
            GenerationResult v = results.deserialize(r.topic(), r.value());
            s.results.merge(v.getRequestId(), 1, Integer::sum);
            s.resultUsers.put(v.getRequestId(), v.getUserId());
            s.outcomeTimestamps.merge(v.getRequestId(), List.of(r.timestamp()), Checker::concat);
        });
        var costs = catalog.costs().valueSerde().deserializer();
        TopicScan.read(pipeline.kafka, catalog.costs().name(), true, r -> {
            CostEvent v = costs.deserialize(r.topic(), r.value());
            // Only CHARGED moves money; RELEASED ends a reservation and OVERSPENT flags a charge already counted.
            switch (v.getKind()) {
                case CHARGED -> {
                    s.costs.merge(v.getRequestId(), 1, Integer::sum);
                    s.costMicrosByUser.merge(v.getUserId(), v.getCostMicros(), Long::sum);
                    s.chargedMicros.merge(v.getRequestId(), v.getCostMicros(), Long::sum);
                }
                case OVERSPENT -> s.overspent.put(v.getRequestId(), v);
                case RELEASED -> s.released.merge(v.getRequestId(), 1, Integer::sum);
            }
        });
        var rejected = catalog.rejected().valueSerde().deserializer();
        TopicScan.read(pipeline.kafka, catalog.rejected().name(), true, r -> {
            RejectedRequest v = rejected.deserialize(r.topic(), r.value());
            s.rejected.merge(v.getRequestId(), 1, Integer::sum);
            s.rejectReasons.put(v.getRequestId(), v.getReason().name());
            s.rejectFields.put(v.getRequestId(), String.valueOf(v.getField()));
            if (v.getRetryAfterMs() != null) {
                s.retryAfterMs.put(v.getRequestId(), v.getRetryAfterMs());
            }
            s.outcomeTimestamps.merge(v.getRequestId(), List.of(r.timestamp()), Checker::concat);
        });
        TopicScan.read(pipeline.kafka, catalog.dlq().name(), true, r -> {
            String errorClass = header(r, "sluice.dlq.error.class");
            if (errorClass == null) {
                errorClass = header(r, "__streams.errors.exception");
            }
            String id = requestIdOf(header(r, "__streams.errors.topic"), r.value());
            if (id != null) {
                s.dead.merge(id, 1, Integer::sum);
                s.outcomeTimestamps.merge(id, List.of(r.timestamp()), Checker::concat);
                s.deadClasses.put(id, String.valueOf(errorClass));
            } else {
                String fp = fingerprint(r.value());
                s.deadUnattributed.merge(fp, 1, Integer::sum);
                s.deadClasses.put(fp, String.valueOf(errorClass));
            }
        });
        for (MockLlmServer.Call call : mock.calls()) {
            s.totalCalls++;
            String id = requestIdOf(call);
            if (id != null) {
                s.calls.merge(id, 1, Integer::sum);
            }
        }
        return s;
    }

    /** The request a provider call was made for (its {@code rid:} SYSTEM message), or null. */
    static String requestIdOf(MockLlmServer.Call call) {
        Matcher m = RID.matcher(call.body());
        return m.find() ? m.group(1) : null;
    }

    private static List<Long> concat(List<Long> a, List<Long> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    /** Occurrences of the API key (or its last 24 characters, catching partial masking) in every topic of the deployment. */
    long secretsInTopics() {
        Set<String> topics;
        try (Admin admin = Admin.create(pipeline.kafka)) {
            topics = admin.listTopics().names().get();
        } catch (Exception e) {
            throw new IllegalStateException("could not list topics", e);
        }
        long[] hits = {0};
        topics.stream().filter(t -> t.startsWith(pipeline.prefix)).forEach(t -> TopicScan.read(pipeline.kafka, t, false, r -> {
            hits[0] += occurrences(r.key()) + occurrences(r.value());
            for (Header h : r.headers()) {
                hits[0] += occurrences(h.value());
            }
        }));
        return hits[0];
    }

    /** Occurrences of the API key (or its tail) in every captured stage log. */
    long secretsInLogs() {
        return logs(this::occurrences);
    }

    private long logs(java.util.function.ToLongFunction<byte[]> counter) {
        if (!Files.isDirectory(pipeline.logDir)) {
            return 0;
        }
        try (Stream<Path> logs = Files.list(pipeline.logDir)) {
            return logs.mapToLong(p -> {
                try {
                    return counter.applyAsLong(Files.readAllBytes(p));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long occurrences(byte[] bytes) {
        return count(bytes, pipeline.apiKey.substring(pipeline.apiKey.length() - 24));
    }

    /**
     * Dead-letter headers (the failure message, in both header families) and log lines that hold prompt text: the
     * workload's {@code rid:} SYSTEM prompt or its USER phrase. (A letter's value is the original record, prompt included, by contract.)
     */
    long promptTextInLetterHeadersAndLogs() {
        long[] hits = {0};
        TopicScan.read(pipeline.kafka, pipeline.catalog.dlq().name(), false, r -> {
            for (Header h : r.headers()) {
                hits[0] += count(h.value(), "rid:") + count(h.value(), Workload.USER_TEXT);
            }
        });
        return hits[0] + logs(bytes -> count(bytes, "rid:") + count(bytes, Workload.USER_TEXT));
    }

    private static long count(byte[] bytes, String needle) {
        if (bytes == null) {
            return 0;
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        long n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    /** The requestId inside a dead letter's original bytes, decoded with the schema of the topic it failed on. */
    private String requestIdOf(String originalTopic, byte[] value) {
        if (originalTopic == null || value == null) {
            return null;
        }
        var c = pipeline.catalog;
        try {
            if (originalTopic.equals(c.requests().name())) {
                LlmRequest r = c.requests().valueSerde().deserializer().deserialize(originalTopic, value);
                return r.getRequestId();
            }
            if (originalTopic.equals(c.admitted().name())) {
                AdmittedRequest r = c.admitted().valueSerde().deserializer().deserialize(originalTopic, value);
                return r.getRequest().getRequestId();
            }
            if (originalTopic.equals(c.enriched().name())) {
                EnrichedRequest r = c.enriched().valueSerde().deserializer().deserialize(originalTopic, value);
                return r.getAdmitted().getRequest().getRequestId();
            }
        } catch (RuntimeException undecodable) {
            return null;
        }
        return null;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        Header h = r.headers().lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** SHA-256 of a record value ("null" for a tombstone): how a malformed record is recognised in llm.dlq. */
    static String fingerprint(byte[] value) {
        if (value == null) {
            return "null";
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the topics and the call log held at one moment. Counts are per requestId. */
    static final class Snapshot {
        final Map<String, Integer> results = new HashMap<>();
        final Map<String, String> resultUsers = new HashMap<>();
        /** CHARGED cost events per requestId (RELEASED and OVERSPENT events are counted apart). */
        final Map<String, Integer> costs = new HashMap<>();
        /** Σ CHARGED costMicros per user. */
        final Map<String, Long> costMicrosByUser = new HashMap<>();
        final Map<String, Long> chargedMicros = new HashMap<>();
        final Map<String, CostEvent> overspent = new HashMap<>();
        final Map<String, Integer> released = new HashMap<>();
        final Map<String, Integer> rejected = new HashMap<>();
        final Map<String, String> rejectReasons = new HashMap<>();
        final Map<String, String> rejectFields = new HashMap<>();
        final Map<String, Long> retryAfterMs = new HashMap<>();
        /** Record timestamps (broker time, as a consumer reads them) of every outcome record per requestId. */
        final Map<String, List<Long>> outcomeTimestamps = new HashMap<>();
        final Map<String, Integer> dead = new HashMap<>();
        final Map<String, Integer> deadUnattributed = new HashMap<>();
        final Map<String, String> deadClasses = new HashMap<>();
        final Map<String, Integer> calls = new HashMap<>();
        long totalCalls;

        /** Result, rejection and dead-letter records of {@code id} (a replayed letter plus its result counts two). */
        int outcomes(String id) {
            return results.getOrDefault(id, 0) + rejected.getOrDefault(id, 0) + dead.getOrDefault(id, 0);
        }

        boolean hasOutcome(String id) {
            return outcomes(id) > 0;
        }

        /** Ids with no outcome at all. */
        long lost(Set<String> ids) {
            return ids.stream().filter(id -> outcomes(id) == 0).count();
        }

        /** Ids with more than one terminal outcome of any kind. */
        long multipleOutcomes(Set<String> ids) {
            return ids.stream().filter(id -> outcomes(id) > 1).count();
        }

        /** Result records beyond the first, per requestId of {@code ids}, summed. */
        long duplicateResults(Set<String> ids) {
            return ids.stream().mapToLong(id -> Math.max(0, results.getOrDefault(id, 0) - 1)).sum();
        }

        long duplicateCosts(Set<String> ids) {
            return ids.stream().mapToLong(id -> Math.max(0, costs.getOrDefault(id, 0) - 1)).sum();
        }

        /** Results without a cost event plus cost events without a result, among {@code ids}: each result is billed once. */
        long unbilledOrOrphanCosts(Set<String> ids) {
            return ids.stream().filter(id -> results.containsKey(id) != costs.containsKey(id)).count();
        }

        /** Provider calls made for {@code ids}. */
        long calls(Set<String> ids) {
            return ids.stream().mapToLong(id -> calls.getOrDefault(id, 0)).sum();
        }

        long withResult(Set<String> ids) {
            return ids.stream().filter(results::containsKey).count();
        }

        long terminalSeen(Set<String> ids) {
            return ids.stream().filter(id -> outcomes(id) > 0).count();
        }

        List<String> sample(Set<String> ids, java.util.function.Predicate<String> which) {
            return ids.stream().filter(which).limit(5).toList();
        }
    }
}
