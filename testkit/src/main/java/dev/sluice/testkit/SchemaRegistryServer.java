package dev.sluice.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

/**
 * A real schema registry: Apicurio Registry 3 (in-memory storage) as a child JVM, serving the
 * Confluent-compatible API under {@code /apis/ccompat/v7}. The bundle is unpacked by the build
 * ({@code testkit/pom.xml}) into the directory named by the {@code sluice.apicurio.home} system property.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    /** System property naming the unpacked Apicurio bundle directory. */
    public static final String HOME_PROPERTY = "sluice.apicurio.home";
    private static final String RUNNER_JAR = "apicurio-registry-app-3.0.9-runner.jar";

    private final ChildProcess process;
    private final int port;
    private final long startupMillis;

    private SchemaRegistryServer(ChildProcess process, int port, long startupMillis) {
        this.process = process;
        this.port = port;
        this.startupMillis = startupMillis;
    }

    /** Starts a registry on a free loopback port and waits until the ccompat API answers. */
    public static SchemaRegistryServer start(Path workDir) {
        Path home = apicurioHome();
        Path jar = home.resolve(RUNNER_JAR);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Apicurio runner jar not found at " + jar
                    + "; build the testkit module first (./mvnw -pl testkit generate-resources) or set -D" + HOME_PROPERTY);
        }
        int port = FreePorts.next();
        long t0 = System.nanoTime();
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ChildProcess child = ChildProcess.start("apicurio-registry", List.of(
                java.toString(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.analytics.disabled=true",
                "-Djava.io.tmpdir=" + workDir.toAbsolutePath(),
                "-jar", jar.toString()), workDir, workDir.resolve("apicurio-" + port + ".log"));
        SchemaRegistryServer server = new SchemaRegistryServer(child, port, 0);
        child.awaitReady(server::answers, Duration.ofSeconds(90));
        return new SchemaRegistryServer(child, port, (System.nanoTime() - t0) / 1_000_000);
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

    private boolean answers() {
        try {
            HttpResponse<Void> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The Confluent-compatible base URL, e.g. {@code http://127.0.0.1:41234/apis/ccompat/v7}. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    public long startupMillis() {
        return startupMillis;
    }

    @Override
    public void close() {
        process.close();
    }
}
