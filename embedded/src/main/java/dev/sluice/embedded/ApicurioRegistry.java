package dev.sluice.embedded;

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
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Apicurio Registry (in-memory) as a child JVM on a free loopback port, from an unpacked
 * {@code apicurio-registry-app} bundle; serves the Confluent-compatible API under {@code /apis/ccompat/v7}.
 */
public final class ApicurioRegistry implements AutoCloseable {
    private final ChildProcess process;
    private final int port;

    private ApicurioRegistry(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The bundle's {@code *-runner.jar} in {@code home}, if there is one. */
    public static Optional<Path> runnerJar(Path home) {
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Starts the registry from {@code runnerJar} and waits until the ccompat API answers. */
    public static ApicurioRegistry start(Path runnerJar, Path workDir, Duration timeout) {
        int port = FreePorts.next();
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ChildProcess child = ChildProcess.start("apicurio-registry", List.of(
                java.toString(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.analytics.disabled=true",
                "-Djava.io.tmpdir=" + workDir.toAbsolutePath(),
                "-jar", runnerJar.toString()), workDir, workDir.resolve("apicurio-" + port + ".log"));
        ApicurioRegistry registry = new ApicurioRegistry(child, port);
        child.awaitReady(registry::answers, timeout);
        return registry;
    }

    private boolean answers() {
        try {
            HttpResponse<Void> reply = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            return reply.statusCode() == 200;
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

    @Override
    public void close() {
        process.close();
    }
}
