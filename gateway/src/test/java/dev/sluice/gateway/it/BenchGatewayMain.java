package dev.sluice.gateway.it;

import java.util.HashMap;
import java.util.Map;

import dev.sluice.gateway.GatewayStage;

/**
 * The benchmark's gateway as its own process ({@code -Dbench.gateway.process=true}): one gateway instance in front
 * of the pipeline of {@link BenchPipelineMain}, so the benchmark JVM holds only the clients. Args: Kafka bootstrap,
 * registry URL, Redis URI, topic prefix, then {@code key=value} settings. Prints {@code READY <port> <base URL>} and
 * runs until its stdin closes.
 */
public final class BenchGatewayMain {
    public static void main(String[] args) throws Exception {
        Map<String, String> extra = new HashMap<>();
        for (int i = 4; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            extra.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Pipeline pipeline = new Pipeline(args[3], args[0], args[1], args[2], extra, false);
        GatewayStage gateway = pipeline.gateway("gw-bench");
        GatewayBenchmark.awaitSettled(gateway);
        System.out.println("READY " + gateway.port() + " " + gateway.baseUrl());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes our stdin (or dies)
        }
        // Read by the benchmark from this process's log (its stderr) after it exits.
        System.err.println("STATS gateway outcomes answered at home / copied through the reply topic: "
                + gateway.router().answeredHere() + " / " + gateway.router().forwarded());
        pipeline.close();
        System.exit(0);
    }
}
