package dev.sluice.common;

import java.io.IOException;
import java.net.InetSocketAddress;

import com.sun.net.httpserver.HttpServer;

/**
 * Creates the JDK {@link HttpServer}s Sluice serves on (the gateway, /health and /metrics, the dashboard) with two of
 * the JDK's defaults changed. The JDK reads both once, from system properties, when the process creates its first
 * server; every production server goes through here, so whichever comes first sets them. A property set by the user
 * ({@code -D…}) wins.
 * <ul>
 *   <li>{@value #NODELAY} {@code true}: without TCP_NODELAY a small answer leaves ~40 ms late (Nagle's algorithm
 *       against the client's delayed ACK).</li>
 *   <li>{@value #MAX_IDLE} {@value #IDLE_CONNECTIONS} (JDK default 200): past 200 idle keep-alive connections the
 *       JDK closes a connection right after answering on it. A gateway with hundreds of clients then makes each
 *       of them reconnect per call (a TCP handshake and a new connection object per request), and a client that
 *       reuses a connection at the moment the server closes it loses a request it already sent. Idle connections
 *       still close after {@code sun.net.httpserver.idleInterval} (30 s).</li>
 * </ul>
 */
public final class JdkHttpServers {
    static final String NODELAY = "sun.net.httpserver.nodelay";
    static final String MAX_IDLE = "sun.net.httpserver.maxIdleConnections";
    static final int IDLE_CONNECTIONS = 4096;

    private JdkHttpServers() {}

    /** Sets the defaults above unless already set; call before the process's first {@link HttpServer#create}. */
    public static void applyDefaults() {
        setIfAbsent(NODELAY, "true");
        setIfAbsent(MAX_IDLE, Integer.toString(IDLE_CONNECTIONS));
    }

    /** {@link HttpServer#create(InetSocketAddress, int)} after {@link #applyDefaults()}. */
    public static HttpServer create(InetSocketAddress address, int backlog) throws IOException {
        applyDefaults();
        return HttpServer.create(address, backlog);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
