package dev.sluice.common.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The loops' transaction meters, under the names the provisioned Grafana dashboard queries. */
class LoopMetricsTest {
    private static final Path GRAFANA = Path.of("..", "deploy", "grafana", "dashboards", "sluice.json");

    @Test
    void shouldServeEveryLoopMeterTheGrafanaDashboardQueries() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        for (String stage : List.of("enrichment", "generation")) {
            loop(stage).measuredIn(registry);
        }
        String scrape = registry.scrape();
        Matcher m = Pattern.compile("sluice_(enrichment|generation)_(transactions_aborted|producers_replaced)_total")
                .matcher(Files.readString(GRAFANA));
        TreeSet<String> queried = new TreeSet<>();
        while (m.find()) {
            queried.add(m.group());
        }

        assertThat(queried).as("the dashboard's panel of them").hasSize(4);
        assertThat(queried).allSatisfy(name -> assertThat(scrape).contains(name + " 0.0"));
    }

    private static TransactionalLoop<String> loop(String name) {
        return new TransactionalLoop<>(name, new MockConsumer<>("earliest"),
                () -> new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()), "in", new Nothing(),
                new LoopSettings(1, 1, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO));
    }

    /** A handler never called: the loop is not started. */
    private static final class Nothing implements RecordHandler<String> {
        @Override
        public void accept(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> records, Intake<String> intake) {
        }

        @Override
        public List<ProducerRecord<byte[], byte[]>> outputs(ConsumerRecord<byte[], byte[]> source, String outcome) {
            return List.of();
        }

        @Override
        public String failed(ConsumerRecord<byte[], byte[]> source, Throwable failure) {
            return "failed";
        }

        @Override
        public void committed(List<PartitionProgress.Slot<String>> slots) {
        }
    }
}
