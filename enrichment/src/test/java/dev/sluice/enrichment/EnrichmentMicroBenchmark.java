package dev.sluice.enrichment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import dev.sluice.enrichment.cache.MgetEncoding;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH micro-benchmark of enrichment's hottest pure code, printed against its baseline from the same run: the warm
 * path's cache key against the general path's, and an MGET's keys encoded by lettuce with {@code KeyBytesCodec} against
 * the composed codec it replaced. Not in {@code verify}:
 * {@code ./mvnw -Pbench -o -pl enrichment verify -Dit.test=EnrichmentMicroBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class EnrichmentMicroBenchmark {
    @Test
    void shouldPrintTheWarmPathsKeyAgainstTheGeneralPath() throws Exception {
        Map<String, Double> ns = new HashMap<>();
        for (RunResult r : new Runner(new OptionsBuilder().include(KeyHotPaths.class.getName())
                .include(MgetEncoding.class.getName())
                .forks(1).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1)).build()).run()) {
            String benchmark = r.getParams().getBenchmark();
            String param = r.getParams().getParam("kind") != null ? r.getParams().getParam("kind") : r.getParams().getParam("codec");
            ns.put(benchmark.substring(benchmark.lastIndexOf('.') + 1) + "@" + param, r.getPrimaryResult().getScore());
        }
        assertThat(ns).hasSize(6).allSatisfy((k, v) -> assertThat(v).as(k).isPositive());
        System.out.printf("%n=== EnrichmentMicroBenchmark (JMH, ns per key, same run) ===%n");
        for (String kind : new String[] {"normalised", "messy"}) {
            System.out.printf("cache key of a %s ~200-character prompt: warm path %.0f ns, general path %.0f ns -> x%.1f faster%n",
                    kind, ns.get("warmPathKey@" + kind), ns.get("generalKey@" + kind), ns.get("generalKey@" + kind) / ns.get("warmPathKey@" + kind));
        }
        double composed = ns.get("encodeMgetKeys@composed") / MgetEncoding.KEYS;
        double inPlace = ns.get("encodeMgetKeys@inPlace") / MgetEncoding.KEYS;
        System.out.printf("an MGET's keys written by lettuce (%d keys): KeyBytesCodec %.1f ns a key, the composed codec before it %.1f ns -> x%.1f faster%n",
                MgetEncoding.KEYS, inPlace, composed, composed / inPlace);
    }
}
