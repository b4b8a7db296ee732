package dev.sluice.testkit.internal;

import java.io.IOException;
import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis in a container on a <em>fixed</em> host port, persistence off. Outage tests stop the server and expect it
 * back on the same port, so the port is bound explicitly (Testcontainers would pick a new random one on every
 * start); {@link #kill()} removes the container and {@link #start()} creates a fresh one on that port. The port is
 * chosen free on this machine, which is only meaningful for a local engine; it binds to loopback when the engine is
 * local.
 */
public final class RedisInContainer implements RedisBackend {
    private static final int REDIS_PORT = 6379;

    private final GenericContainer<?> container;
    private final String host;
    private final int port;

    private RedisInContainer(GenericContainer<?> container, String host, int port) {
        this.container = container;
        this.host = host;
        this.port = port;
    }

    /** Starts Redis published on {@code hostPort} and waits until it accepts connections. */
    public static RedisInContainer start(int hostPort) {
        String dockerHost = DockerClientFactory.instance().dockerHostIpAddress();
        boolean local = "localhost".equals(dockerHost) || "127.0.0.1".equals(dockerHost);
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(ContainerImages.redis()))
                .withExposedPorts(REDIS_PORT)
                .withCommand("redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no")
                .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*\\n", 1));
        container.setPortBindings(List.of((local ? "127.0.0.1:" : "") + hostPort + ":" + REDIS_PORT));
        RedisInContainer redis = new RedisInContainer(container, local ? "127.0.0.1" : dockerHost, hostPort);
        redis.start();
        return redis;
    }

    @Override
    public synchronized void start() {
        container.start();
    }

    @Override
    public synchronized void kill() {
        container.stop();
    }

    @Override
    public synchronized boolean isRunning() {
        return container.isRunning();
    }

    @Override
    public void flushAll() {
        try {
            Container.ExecResult result = container.execInContainer("redis-cli", "FLUSHALL");
            if (!result.getStdout().trim().equals("OK")) {
                throw new IllegalStateException("FLUSHALL failed: " + result.getStdout() + result.getStderr());
            }
        } catch (IOException e) {
            throw new IllegalStateException("FLUSHALL failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during FLUSHALL", e);
        }
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String uri() {
        return "redis://" + host + ":" + port;
    }

    @Override
    public synchronized void close() {
        container.stop();
    }
}
