package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** Admission's meters as {@code /metrics} serves them: the names the Grafana dashboard and the docs use. */
class AdmissionMetricsTest {
    private static final Path GRAFANA = Path.of("..", "deploy", "grafana", "dashboards", "sluice.json");

    @Test
    void shouldServeEveryAdmissionMetricTheGrafanaDashboardQueries() throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new AdmissionMetrics(registry);
        Set<String> served = new TreeSet<>();
        registry.scrape().lines().filter(l -> !l.startsWith("#")).forEach(l -> served.add(l.replaceAll("[{ ].*", "")));

        Set<String> queried = new TreeSet<>();
        Matcher m = Pattern.compile("sluice_ingest_[A-Za-z_]+").matcher(Files.readString(GRAFANA));
        while (m.find()) {
            queried.add(m.group());
        }

        assertThat(queried).as("the dashboard queries admission's metrics").isNotEmpty();
        assertThat(served).containsAll(queried);
    }

    @Test
    void shouldServeTheMoneyHeldUnderTheNamesTheDocsGive() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AdmissionMetrics metrics = new AdmissionMetrics(registry);
        metrics.held("0_1").set(1_500, 1);
        metrics.held("0_2").set(2_000, 2);

        assertThat(registry.scrape()).contains("sluice_ingest_reservations_held_micros 3500.0")
                .contains("sluice_ingest_reservations_held_users 3.0").contains("sluice_ingest_overspent_micros_total 0.0");
        assertThat(registry.scrape()).as("the tasks have not read their reservations yet")
                .contains("sluice_ingest_reservations_held_oldest_seconds NaN");
        metrics.closed("0_2");
        assertThat(registry.scrape()).contains("sluice_ingest_reservations_held_micros 1500.0");
        metrics.closed("0_1");
        assertThat(registry.scrape()).as("no task: nothing held").contains("sluice_ingest_reservations_held_oldest_seconds 0.0");
    }

    @Test
    void shouldNeverShowANegativeAgeWhenTheStagesClockIsBehindTheBrokers() {
        long admitted = 1_772_445_600_000L; // broker time (LogAppendTime), a whole minute
        HeldMoney task = new HeldMoney();
        task.ages().restart(List.of()); // a task whose start-up read found nothing: complete at once
        task.ages().reserved("alice", Reservation.key("alice", "r1"), admitted + 30_000, 1_000);

        assertThat(AdmissionMetrics.oldestAgeSeconds(List.of(task), admitted - 5_000))
                .as("the stage host's clock 35 s behind the broker's at the admission").isEqualTo(0.0);
        assertThat(AdmissionMetrics.oldestAgeSeconds(List.of(task), admitted + 90_000))
                .as("from the start of the admission's minute: never younger than it is").isEqualTo(90.0);
    }
}
