package dev.sluice.gateway.it;

import java.util.Map;
import java.util.TreeMap;

import com.yammer.metrics.core.Meter;
import com.yammer.metrics.core.MetricName;
import org.apache.kafka.server.metrics.KafkaYammerMetrics;

/**
 * The in-process broker's request counts by API ({@code kafka.network:type=RequestMetrics,name=RequestsPerSec}), so
 * the benchmark can print how many broker requests of each kind one call costs: the broker is most of the pipeline
 * JVM's CPU, and what it does per call is set by how the clients batch, fetch and commit.
 */
final class BrokerRequests {
    private Map<String, Long> last = counts();

    /** Requests of each API since the previous call (or since construction). */
    synchronized Map<String, Long> sinceLast() {
        Map<String, Long> now = counts();
        Map<String, Long> delta = new TreeMap<>();
        now.forEach((api, n) -> {
            long d = n - last.getOrDefault(api, 0L);
            if (d > 0) {
                delta.put(api, d);
            }
        });
        last = now;
        return delta;
    }

    private static Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        for (Map.Entry<MetricName, com.yammer.metrics.core.Metric> e : KafkaYammerMetrics.defaultRegistry().allMetrics().entrySet()) {
            MetricName name = e.getKey();
            if ("RequestMetrics".equals(name.getType()) && "RequestsPerSec".equals(name.getName()) && e.getValue() instanceof Meter m) {
                String scope = name.getScope() == null ? "" : name.getScope(); // request.<Api>.version.<n>
                String api = scope.startsWith("request.") ? scope.substring(8, scope.indexOf(".version") > 0 ? scope.indexOf(".version") : scope.length()) : scope;
                counts.merge(api, m.count(), Long::sum);
            }
        }
        return counts;
    }
}
