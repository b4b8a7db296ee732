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
    private static final Backend.Setting AUTO = new Backend.Setting("default", "auto");
    private static final Supplier<DockerProbe.Answer> DOCKER = () -> new DockerProbe.Answer(true, "unix:///var/run/docker.sock answers");

    @Test
    void shouldKeepTheInProcessBackendWhenAutoFindsNoDocker() {
        assertThat(Backend.choose(AUTO, NO_DOCKER)).isEqualTo(Backend.INPROCESS);
    }

    @Test
    void shouldUseContainersWhenAutoFindsDocker() {
        assertThat(Backend.choose(AUTO, DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldNotLookForDockerWhenInProcessIsChosen() {
        AtomicInteger probes = new AtomicInteger();
        Supplier<DockerProbe.Answer> counting = () -> {
            probes.incrementAndGet();
            return DOCKER.get();
        };

        assertThat(Backend.choose(property("inprocess"), counting)).isEqualTo(Backend.INPROCESS);
        assertThat(probes).hasValue(0);
    }

    @Test
    void shouldUseContainersWhenChosenAndDockerAnswers() {
        assertThat(Backend.choose(property("containers"), DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldFailNamingThePropertyWhenContainersAreChosenWithoutDocker() {
        assertThatThrownBy(() -> Backend.choose(property("containers"), NO_DOCKER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("sluice.testkit.backend=containers")
                .hasMessageContaining("no Docker engine answers")
                .hasMessageContaining("unix:///var/run/docker.sock")
                .hasMessageContaining("sluice.testkit.backend=inprocess");
    }

    @Test
    void shouldFailNamingThePropertyAndValueWhenTheValueIsUnknown() {
        assertThatThrownBy(() -> Backend.choose(property("kubernetes"), DOCKER))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sluice.testkit.backend")
                .hasMessageContaining("'kubernetes'")
                .hasMessageContaining("auto, inprocess or containers");
    }

    @Test
    void shouldAcceptValuesInAnyCase() {
        assertThat(Backend.choose(property("InProcess"), DOCKER)).isEqualTo(Backend.INPROCESS);
        assertThat(Backend.choose(property("CONTAINERS"), DOCKER)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void shouldNameTheEnvironmentVariableWhenItHoldsTheUnknownValue() {
        Backend.Setting fromEnv = Backend.configured(null, Map.of("SLUICE_TESTKIT_BACKEND", "bogus"));

        assertThatThrownBy(() -> Backend.choose(fromEnv, DOCKER))
                .hasMessageContaining("unknown SLUICE_TESTKIT_BACKEND value 'bogus'");
    }

    @Test
    void shouldPreferThePropertyToTheEnvironmentVariable() {
        assertThat(Backend.configured("inprocess", Map.of("SLUICE_TESTKIT_BACKEND", "containers")))
                .isEqualTo(new Backend.Setting("sluice.testkit.backend", "inprocess"));
    }

    @Test
    void shouldReadTheEnvironmentVariableWhenThePropertyIsUnset() {
        assertThat(Backend.configured(null, Map.of("SLUICE_TESTKIT_BACKEND", " containers ")))
                .isEqualTo(new Backend.Setting("SLUICE_TESTKIT_BACKEND", "containers"));
        assertThat(Backend.configured("  ", Map.of("SLUICE_TESTKIT_BACKEND", "inprocess")).value()).isEqualTo("inprocess");
    }

    @Test
    void shouldDefaultToAutoWhenNothingIsConfigured() {
        assertThat(Backend.configured(null, Map.of())).isEqualTo(AUTO);
        assertThat(Backend.configured(null, Map.of("SLUICE_TESTKIT_BACKEND", ""))).isEqualTo(AUTO);
    }

    private static Backend.Setting property(String value) {
        return new Backend.Setting("sluice.testkit.backend", value);
    }
}
