package dev.sluice.launcher.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.sluice.common.StageProvider;
import dev.sluice.launcher.LauncherException;
import org.junit.jupiter.api.Test;

class StageCatalogTest {
    private static StageProvider named(String name) {
        return new StageProvider() {
            @Override public String name() { return name; }
            @Override public dev.sluice.common.Stage create(dev.sluice.common.SluiceConfig c, dev.sluice.contracts.TopicCatalog t,
                                                             io.micrometer.core.instrument.MeterRegistry m) { return null; }
        };
    }

    @Test
    void shouldOrderStagesLikeThePipeline() {
        Map<String, StageProvider> found = new LinkedHashMap<>();
        for (String n : new String[] {"zeta", "generation", "analytics", "ingest", "enrichment"}) {
            found.put(n, named(n));
        }

        assertThat(new StageCatalog(found).all().keySet()).containsExactly("ingest", "enrichment", "generation", "analytics", "zeta");
    }

    @Test
    void shouldSayHowToBuildWhenNoStagesAreFound() {
        assertThatThrownBy(() -> new StageCatalog(Map.of()).require("ingest")).isInstanceOf(LauncherException.class)
                .hasMessageContaining("no stages").hasMessageContaining("./mvnw -q package -DskipTests");
    }

    @Test
    void shouldDiscoverProvidersThroughServiceLoader() {
        assertThat(StageCatalog.discover().all()).containsKey("probe");
    }

    @Test
    void shouldFailFastNamingTheKeyWithoutThePasswordWhenRedisIsUnreachable() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int closed = port;
        assertThatThrownBy(() -> Preflight.redis("redis://:hunter2@127.0.0.1:" + closed, java.time.Duration.ofSeconds(2)))
                .isInstanceOf(LauncherException.class)
                .hasMessageContaining("Redis is unreachable").hasMessageContaining("SLUICE_REDIS_URL")
                .hasMessageNotContaining("hunter2");
    }
}
