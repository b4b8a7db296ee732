package dev.sluice.testkit.internal;

/** What {@code RedisServer} needs of a Redis, in a child process or a container. */
public interface RedisBackend extends AutoCloseable {
    /** (Re)starts the server on its port; a no-op if it runs. */
    void start();

    /** Kills the server at once, as an outage would; its data is gone. */
    void kill();

    boolean isRunning();

    /** Deletes every key; fails if the server does not say OK. */
    void flushAll();

    int port();

    /** A lettuce-style URI, e.g. {@code redis://127.0.0.1:40001}. */
    String uri();

    @Override
    void close();
}
