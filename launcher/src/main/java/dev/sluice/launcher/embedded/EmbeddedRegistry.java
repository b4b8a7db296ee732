package dev.sluice.launcher.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
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

import dev.sluice.launcher.LauncherException;
import dev.sluice.launcher.SluiceCli;

/**
 * The embedded default's schema registry: Apicurio Registry (in-memory) as a child JVM, from the bundle the
 * build unpacked next to {@code sluice.jar} ({@code launcher/target/apicurio}); never downloaded at run time.
 * Serves the Confluent-compatible API under {@code /apis/ccompat/v7}.
 */
public final class EmbeddedRegistry implements AutoCloseable {
    /** System property (or environment variable {@code SLUICE_APICURIO_HOME}) naming the unpacked bundle. */
    public static final String HOME_PROPERTY = "sluice.apicurio.home";

    private final ChildProcess process;
    private final int port;

    private EmbeddedRegistry(ChildProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    public static EmbeddedRegistry start(Path workDir, Duration timeout) {
        Path jar = runnerJar(home());
        int port = FreePort.next();
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        ChildProcess child = ChildProcess.start("apicurio-registry", List.of(
                java.toString(), "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.analytics.disabled=true",
                "-Djava.io.tmpdir=" + workDir.toAbsolutePath(),
                "-jar", jar.toString()), workDir);
        EmbeddedRegistry registry = new EmbeddedRegistry(child, port);
        child.awaitReady(registry::answers, timeout);
        return registry;
    }

    /** Where the bundle is: the property, the environment variable, else {@code apicurio/} next to the jar. */
    static Path home() {
        String configured = Optional.ofNullable(System.getProperty(HOME_PROPERTY)).orElse(System.getenv("SLUICE_APICURIO_HOME"));
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        try {
            // target/sluice.jar or target/classes: either way the bundle is target/apicurio.
            Path code = Paths.get(SluiceCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.getParent().resolve("apicurio");
        } catch (URISyntaxException | RuntimeException e) {
            return Paths.get("launcher", "target", "apicurio");
        }
    }

    static Path runnerJar(Path home) {
        try (Stream<Path> files = Files.list(home)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> missing(home));
        } catch (IOException e) {
            throw missing(home);
        }
    }

    private static LauncherException missing(Path home) {
        return new LauncherException("the Apicurio registry bundle is not at " + home
                + "; build it with ./mvnw -q package -DskipTests (it is unpacked next to launcher/target/sluice.jar), "
                + "or point -D" + HOME_PROPERTY + " / SLUICE_APICURIO_HOME at an unpacked apicurio-registry-app bundle, "
                + "or use an existing registry with SLUICE_SCHEMA_REGISTRY_URL");
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

    /** The Confluent-compatible base URL. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    @Override
    public void close() {
        process.close();
    }
}
