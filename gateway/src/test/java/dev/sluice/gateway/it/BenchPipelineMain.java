package dev.sluice.gateway.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.sluice.embedded.InProcessKafka;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * The benchmark's second process: a Kafka broker plus ingest, enrichment, generation and the mock provider, so the
 * benchmark's own JVM holds only what a deployed gateway holds (the gateway and its clients) and its descriptors
 * can be counted apart. Args: registry URL, Redis URI, topic prefix, provider latency in ms, then {@code key=value}
 * settings ({@code bench.stages=false}: the broker and the mock provider only, the stages run as {@code sluice run}
 * processes of their own: {@link DeployedStages}; {@code broker.<key>=<value>}: a setting of the broker itself).
 * Prints {@code READY <bootstrap> <provider base URL>} and runs until its stdin closes. A line
 * {@code STATS <label>} on stdin writes {@code STATS <label>: <broker requests by API since the last STATS>} to stderr
 * (the benchmark's {@code pipeline.log}).
 */
public final class BenchPipelineMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> extra = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            extra.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        boolean stages = Boolean.parseBoolean(extra.getOrDefault("bench.stages", "true"));
        extra.remove("bench.stages");
        Map<String, String> brokerSettings = new HashMap<>(); // broker.<key>=<value>: the broker's own settings
        extra.forEach((k, v) -> {
            if (k.startsWith("broker.")) {
                brokerSettings.put(k.substring("broker.".length()), v);
            }
        });
        extra.keySet().removeIf(k -> k.startsWith("broker."));
        KafkaClusterTestKit broker = InProcessKafka.start(null, brokerSettings);
        Pipeline pipeline = new Pipeline(args[2], broker.bootstrapServers(), args[0], args[1], extra, stages);
        // Hundreds of thousands of calls in a run: their log (bodies included) would fill the heap this JVM shares with the broker.
        pipeline.llm.latency(Duration.ofMillis(Long.parseLong(args[3]))).logCalls(false);
        System.out.println("READY " + broker.bootstrapServers() + " " + pipeline.llm.openAiBaseUrl());
        System.out.flush();
        BrokerRequests requests = new BrokerRequests();
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) { // until the parent closes our stdin (or dies)
            if (line.startsWith("STATS ")) {
                System.err.println(line + ": " + requests.sinceLast());
                System.err.flush();
            }
        }
        pipeline.close();
        broker.close();
        System.exit(0);
    }
}
