package dev.sluice.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Predicate;

import org.testcontainers.DockerClientFactory;

/**
 * Is a Docker engine reachable? A quick local look first: {@code DOCKER_HOST}, {@code tc.host} and {@code docker.host}
 * in {@code ~/.testcontainers.properties}, and the usual socket paths, each tried with one connect. Only if one of
 * them answers is Testcontainers asked ({@link DockerClientFactory#isDockerAvailable()}), because without an engine
 * Testcontainers waits up to its ping timeout per candidate and logs every failed strategy at ERROR.
 */
public final class DockerProbe {
    private static final int TCP_CONNECT_TIMEOUT_MS = 1000;

    /** The verdict and what it rests on, for a log line or an error message. */
    public record Answer(boolean reachable, String detail) {}

    private DockerProbe() {}

    /** Probes this machine: the quick local look, then Testcontainers if something answered. */
    public static Answer probe() {
        if (System.getProperty("os.name", "").startsWith("Windows")) {
            return confirm("Windows: named pipes are left to Testcontainers");
        }
        Path home = Paths.get(System.getProperty("user.home", "."));
        Answer local = lookLocally(endpoints(System.getenv(), home, testcontainersProperties(home)), DockerProbe::answers);
        return local.reachable() ? confirm(local.detail()) : local;
    }

    /**
     * Where an engine may be, most explicit first: {@code DOCKER_HOST}, then {@code tc.host} and {@code docker.host}
     * from Testcontainers' user properties, then the sockets of Docker Engine, rootless Docker and Docker Desktop.
     */
    static List<URI> endpoints(Map<String, String> env, Path home, Properties testcontainers) {
        Set<URI> endpoints = new LinkedHashSet<>();
        for (String configured : new String[] {env.get("DOCKER_HOST"), testcontainers.getProperty("tc.host"),
                testcontainers.getProperty("docker.host")}) {
            if (configured != null && !configured.isBlank()) {
                endpoints.add(URI.create(configured.trim()));
            }
        }
        endpoints.add(unix(Paths.get("/var/run/docker.sock")));
        String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            endpoints.add(unix(Paths.get(runtimeDir, "docker.sock")));
        }
        endpoints.add(unix(home.resolve(".docker/run/docker.sock")));
        endpoints.add(unix(home.resolve(".docker/desktop/docker.sock")));
        return List.copyOf(endpoints);
    }

    /** The first endpoint that answers, or a "no" listing every place looked at. */
    static Answer lookLocally(List<URI> endpoints, Predicate<URI> answers) {
        for (URI endpoint : endpoints) {
            if (answers.test(endpoint)) {
                return new Answer(true, endpoint + " answers");
            }
        }
        return new Answer(false, "nothing answers at " + String.join(", ", endpoints.stream().map(URI::toString).toList()));
    }

    private static Answer confirm(String why) {
        return DockerClientFactory.instance().isDockerAvailable()
                ? new Answer(true, why + ", Testcontainers connected")
                : new Answer(false, why + ", but Testcontainers could not use it (see its log)");
    }

    private static URI unix(Path socket) {
        return URI.create("unix://" + socket.toAbsolutePath());
    }

    private static boolean answers(URI endpoint) {
        String scheme = String.valueOf(endpoint.getScheme());
        switch (scheme) {
            case "unix":
                return unixSocketAnswers(Paths.get(endpoint.getPath()));
            case "tcp":
            case "http":
            case "https":
                int port = endpoint.getPort() > 0 ? endpoint.getPort() : "https".equals(scheme) ? 2376 : 2375;
                return tcpAnswers(endpoint.getHost(), port);
            default:
                return true; // ssh://, npipe://: nothing cheap to try, so Testcontainers decides
        }
    }

    private static boolean unixSocketAnswers(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    private static boolean tcpAnswers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), TCP_CONNECT_TIMEOUT_MS);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    private static Properties testcontainersProperties(Path home) {
        Properties properties = new Properties();
        Path file = home.resolve(".testcontainers.properties");
        if (Files.isReadable(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            } catch (IOException e) {
                // unreadable: as if absent; Testcontainers would report it when used
            }
        }
        return properties;
    }
}
