package dev.sluice.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;

class DockerProbeTest {
    private static final Path HOME = Path.of("/home/dev");

    @Test
    void shouldLookAtTheUsualSocketsWhenNothingIsConfigured() {
        assertThat(DockerProbe.endpoints(Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), HOME, new Properties()))
                .containsExactly(URI.create("unix:///var/run/docker.sock"), URI.create("unix:///run/user/1000/docker.sock"),
                        URI.create("unix:///home/dev/.docker/run/docker.sock"), URI.create("unix:///home/dev/.docker/desktop/docker.sock"));
    }

    @Test
    void shouldLookAtDockerHostAndTestcontainersSettingsFirstWhenConfigured() {
        Properties testcontainers = new Properties();
        testcontainers.setProperty("tc.host", "tcp://127.0.0.1:2375");
        testcontainers.setProperty("docker.host", "unix:///var/run/docker.sock");

        List<URI> endpoints = DockerProbe.endpoints(Map.of("DOCKER_HOST", "tcp://docker.example:2376"), HOME, testcontainers);

        assertThat(endpoints).startsWith(URI.create("tcp://docker.example:2376"), URI.create("tcp://127.0.0.1:2375"),
                URI.create("unix:///var/run/docker.sock"));
        assertThat(endpoints).doesNotHaveDuplicates();
    }

    @Test
    void shouldSayNoAndListWhereItLookedWhenNothingAnswers() {
        DockerProbe.Answer answer = DockerProbe.lookLocally(
                List.of(URI.create("unix:///var/run/docker.sock"), URI.create("tcp://127.0.0.1:2375")), endpoint -> false);

        assertThat(answer.reachable()).isFalse();
        assertThat(answer.detail()).contains("unix:///var/run/docker.sock", "tcp://127.0.0.1:2375");
    }

    @Test
    void shouldNameTheFirstEndpointThatAnswers() {
        URI desktop = URI.create("unix:///home/dev/.docker/run/docker.sock");

        DockerProbe.Answer answer = DockerProbe.lookLocally(List.of(URI.create("unix:///var/run/docker.sock"), desktop),
                desktop::equals);

        assertThat(answer.reachable()).isTrue();
        assertThat(answer.detail()).contains(desktop.toString());
    }
}
