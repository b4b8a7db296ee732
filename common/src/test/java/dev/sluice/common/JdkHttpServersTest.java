package dev.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

/**
 * The JDK server behind the gateway closes a keep-alive connection right after answering once 200 others are idle
 * (its default), so hundreds of clients would reconnect on every call. This test JVM sets no
 * {@code sun.net.httpserver.*} property (the POM does not), so it sees what {@link JdkHttpServers} changes.
 */
class JdkHttpServersTest {
    private static final int CLIENTS = 300; // above the JDK's default of 200 idle connections

    @Test
    void shouldKeepHundredsOfIdleKeepAliveConnectionsOpenAcrossCalls() throws Exception {
        HttpServer server = JdkHttpServers.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort());
                s.setSoTimeout(10_000);
                clients.add(s);
            }
            // First call on every connection: all of them are idle afterwards, 300 at once.
            for (Socket s : clients) {
                assertThat(call(s)).as("first call").isEqualTo("ok");
            }
            // Second call on the same connections: a connection the server closed after its first answer reads as gone.
            int reused = 0;
            for (Socket s : clients) {
                if ("ok".equals(call(s))) {
                    reused++;
                }
            }
            assertThat(reused).as("connections still open for a second call, of %d", CLIENTS).isEqualTo(CLIENTS);
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            server.stop(0);
            executor.shutdownNow();
        }
    }

    @Test
    void shouldLeaveAPropertyTheUserSetAlone() {
        String before = System.getProperty(JdkHttpServers.NODELAY);
        try {
            System.setProperty(JdkHttpServers.NODELAY, "false");
            JdkHttpServers.applyDefaults();
            assertThat(System.getProperty(JdkHttpServers.NODELAY)).isEqualTo("false");
        } finally {
            System.setProperty(JdkHttpServers.NODELAY, before == null ? "true" : before);
        }
    }

    /** One HTTP/1.1 GET on an open connection; the body, or null when the server has closed the connection. */
    private static String call(Socket s) {
        try {
            OutputStream out = s.getOutputStream();
            out.write("GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String head = readHead(in);
            if (head == null) {
                return null;
            }
            int length = Integer.parseInt(head.lines().filter(l -> l.toLowerCase().startsWith("content-length:"))
                    .findFirst().orElseThrow().substring("content-length:".length()).trim());
            byte[] body = in.readNBytes(length);
            return body.length == length ? new String(body, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            return null; // reset by the server
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == end[0] ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }
}
