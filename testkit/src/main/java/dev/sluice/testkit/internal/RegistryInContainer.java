package dev.sluice.testkit.internal;

import java.time.Duration;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/** Apicurio Registry 3 (in-memory storage, its image's default) in a container, serving the Confluent-compatible API. */
public final class RegistryInContainer {
    /** Where the image serves the Confluent-compatible API. */
    public static final String CCOMPAT_PATH = "/apis/ccompat/v7";
    private static final int HTTP_PORT = 8080;

    private RegistryInContainer() {}

    /** Starts the registry and waits until {@code /subjects} answers; the address is the ccompat base URL. */
    public static Running start() {
        GenericContainer<?> registry = new GenericContainer<>(DockerImageName.parse(ContainerImages.registry()))
                .withExposedPorts(HTTP_PORT)
                .waitingFor(Wait.forHttp(CCOMPAT_PATH + "/subjects").forStatusCode(200)
                        .withStartupTimeout(Duration.ofSeconds(120)));
        registry.start();
        return new Running("http://" + registry.getHost() + ":" + registry.getMappedPort(HTTP_PORT) + CCOMPAT_PATH, registry);
    }
}
