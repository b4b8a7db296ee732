package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import dev.sluice.ingest.admission.WindowHotPaths;
import dev.sluice.ingest.wire.WireHotPaths;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH micro-benchmarks of admission's hot pure code, each printed against its baseline from the same run: decoding a
 * received request against copying its bytes (what a passthrough does), the admitted record spliced from the received
 * bytes against Avro's writer, and the window's per-request work as a user's requests per minute grow. Not in {@code verify}:
 * {@code ./mvnw -Pbench -o -pl ingest verify -Dit.test=IngestMicroBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class IngestMicroBenchmark {
    @Test
    void shouldPrintEachHotPathAgainstItsBaseline() throws Exception {
        Options options = new OptionsBuilder()
                .include(WireHotPaths.class.getName())
                .include(WindowHotPaths.class.getName())
                .forks(1).jvmArgsAppend("-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.sluice").warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        Map<String, Double> ns = new HashMap<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            String perMinute = r.getParams().getParam("perMinute");
            ns.put(perMinute == null ? name : name + "@" + perMinute, r.getPrimaryResult().getScore());
        }
        assertThat(ns).hasSize(8).allSatisfy((k, v) -> assertThat(v).as(k).isPositive());
        System.out.printf("%n=== IngestMicroBenchmark (JMH, ns per operation, same run) ===%n");
        System.out.printf("decode a received request %.0f ns, copy its bytes %.0f ns -> decoding costs x%.0f a copy%n",
                ns.get("decodeRequest"), ns.get("copyPayload"), ns.get("decodeRequest") / ns.get("copyPayload"));
        System.out.printf("write the admitted record: spliced %.0f ns, Avro writer %.0f ns -> x%.2f faster%n",
                ns.get("admittedSpliced"), ns.get("admittedAvro"), ns.get("admittedAvro") / ns.get("admittedSpliced"));
        System.out.printf("window per admitted request (decode, prune, check, admit, encode): %.0f / %.0f / %.0f / %.0f ns at 10 / 100 /"
                        + " 1000 / 10000 requests in the user's last minute -> x%.1f from 10 to 1000, x%.1f from 1000 to 10000%n",
                ns.get("admitOne@10"), ns.get("admitOne@100"), ns.get("admitOne@1000"), ns.get("admitOne@10000"),
                ns.get("admitOne@1000") / ns.get("admitOne@10"), ns.get("admitOne@10000") / ns.get("admitOne@1000"));
    }
}
