package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.sluice.testkit.internal.DockerProbe;
import org.junit.jupiter.api.Test;

class BackendTest {
    private static final Supplier<DockerProbe.Answer> NO_DOCKER =
            () -> new DockerProbe.Answer(false, "nothing answers at unix:///var/run/docker.sock");
    private static final Supplier<DockerProbe.Answer> DOCKER = () -> new DockerProbe.Answer(true, "unix:///var/run/docker.sock answers");

    @Test
    void shouldKeepTheInProcessBackendWhenAutoFindsNoDocker() {
        assertThat(Backend.choose("auto", NO_DOCKER)).isEqualTo(Backend.INPROCESS);
    }

    @Test
    void shouldUseContainersWhenAutoFindsDocker() {
        assertThat(Backend.choose("auto", DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldNotLookForDockerWhenInProcessIsChosen() {
        AtomicInteger probes = new AtomicInteger();
        Supplier<DockerProbe.Answer> counting = () -> {
            probes.incrementAndGet();
            return DOCKER.get();
        };

        assertThat(Backend.choose("inprocess", counting)).isEqualTo(Backend.INPROCESS);
        assertThat(probes).hasValue(0);
    }

    @Test
    void shouldUseContainersWhenChosenAndDockerAnswers() {
        assertThat(Backend.choose("containers", DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldFailNamingThePropertyWhenContainersAreChosenWithoutDocker() {
        assertThatThrownBy(() -> Backend.choose("containers", NO_DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sluice.testkit.backend=containers")
                .hasMessageContaining("no Docker engine answers")
                .hasMessageContaining("unix:///var/run/docker.sock")
                .hasMessageContaining("sluice.testkit.backend=inprocess");
    }

    @Test
    void shouldFailNamingThePropertyAndValueWhenTheValueIsUnknown() {
        assertThatThrownBy(() -> Backend.choose("kubernetes", DOCKER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sluice.testkit.backend")
                .hasMessageContaining("'kubernetes'")
                .hasMessageContaining("auto, inprocess or containers");
    }

    @Test
    void shouldAcceptValuesInAnyCase() {
        assertThat(Backend.choose("InProcess", DOCKER)).isEqualTo(Backend.INPROCESS);
        assertThat(Backend.choose("CONTAINERS", DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldPreferThePropertyToTheEnvironmentVariable() {
        assertThat(Backend.configured("inprocess", Map.of("SLUICE_TESTKIT_BACKEND", "containers"))).isEqualTo("inprocess");
    }

    @Test
    void shouldReadTheEnvironmentVariableWhenThePropertyIsUnset() {
        assertThat(Backend.configured(null, Map.of("SLUICE_TESTKIT_BACKEND", " containers "))).isEqualTo("containers");
        assertThat(Backend.configured("  ", Map.of("SLUICE_TESTKIT_BACKEND", "inprocess"))).isEqualTo("inprocess");
    }

    @Test
    void shouldDefaultToAutoWhenNothingIsConfigured() {
        assertThat(Backend.configured(null, Map.of())).isEqualTo("auto");
        assertThat(Backend.configured(null, Map.of("SLUICE_TESTKIT_BACKEND", ""))).isEqualTo("auto");
    }
}
