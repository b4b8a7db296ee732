package dev.sluice.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;

import dev.sluice.embedded.ApicurioRegistry;
import dev.sluice.testkit.internal.RegistryInContainer;
import dev.sluice.testkit.internal.Running;

/**
 * A real schema registry: Apicurio Registry 3 (in-memory storage) serving the Confluent-compatible API under
 * {@code /apis/ccompat/v7}, as a child JVM, or in a container when the {@link Backend} is {@link Backend#CONTAINERS}.
 * For the child JVM the bundle is unpacked by the build ({@code testkit/pom.xml}) into the directory named by the
 * {@code sluice.apicurio.home} system property.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    /** System property naming the unpacked Apicurio bundle directory. */
    public static final String HOME_PROPERTY = "sluice.apicurio.home";

    private final String url;
    private final AutoCloseable registry;
    private final long startupMillis;

    private SchemaRegistryServer(String url, AutoCloseable registry, long startupMillis) {
        this.url = url;
        this.registry = registry;
        this.startupMillis = startupMillis;
    }

    /** Starts a registry on a free loopback port (or a container's) and waits until the ccompat API answers. */
    public static SchemaRegistryServer start(Path workDir) {
        if (Backend.current() == Backend.CONTAINERS) {
            long t0 = System.nanoTime();
            Running container = RegistryInContainer.start();
            return new SchemaRegistryServer(container.address(), container.container(), (System.nanoTime() - t0) / 1_000_000);
        }
        Path home = apicurioHome();
        Path jar = ApicurioRegistry.runnerJar(home).orElseThrow(() -> new IllegalStateException(
                "Apicurio runner jar not found in " + home
                + "; build the testkit module first (./mvnw -pl testkit generate-resources) or set -D" + HOME_PROPERTY));
        long t0 = System.nanoTime();
        ApicurioRegistry registry = ApicurioRegistry.start(jar, workDir, Duration.ofSeconds(90));
        return new SchemaRegistryServer(registry.url(), registry, (System.nanoTime() - t0) / 1_000_000);
    }

    static Path apicurioHome() {
        String configured = System.getProperty(HOME_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        // Fallback when run from an IDE without the surefire property: walk up to the reactor root.
        Path dir = Paths.get("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve(".mvn"))) {
            dir = dir.getParent();
        }
        return (dir == null ? Paths.get("") : dir).resolve("target/apicurio-3.0.9");
    }

    /** The Confluent-compatible base URL, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
    public String url() {
        return url;
    }

    public long startupMillis() {
        return startupMillis;
    }

    @Override
    public void close() {
        try {
            registry.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the schema registry", e);
        }
    }
}
