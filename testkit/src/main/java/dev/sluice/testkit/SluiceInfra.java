package dev.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.UUID;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension giving tests real infrastructure: declare a {@link KafkaBroker},
 * {@link SchemaRegistryServer} or {@link RedisServer} parameter and it is injected. Each server is
 * started lazily, once per test JVM, and stopped when the JVM's tests are done. Tests sharing a server
 * keep out of each other's way with {@link #uniquePrefix(String)} topic prefixes. Where they run (in process or in
 * containers) is the {@link Backend}'s choice, invisible to tests.
 *
 * <pre>{@code
 * @ExtendWith(SluiceInfra.class)
 * class MyIT {
 *     @Test void shouldX(KafkaBroker kafka, SchemaRegistryServer registry) { ... }
 * }
 * }</pre>
 */
public final class SluiceInfra implements ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(SluiceInfra.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SluiceInfra.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KafkaBroker.class || type == SchemaRegistryServer.class || type == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        if (type == KafkaBroker.class) {
            return store.getOrComputeIfAbsent(KafkaBroker.class, k -> started("kafka", KafkaBroker.start()), KafkaBroker.class);
        }
        if (type == SchemaRegistryServer.class) {
            return store.getOrComputeIfAbsent(SchemaRegistryServer.class,
                    k -> started("registry", SchemaRegistryServer.start(workDir("registry"))), SchemaRegistryServer.class);
        }
        return store.getOrComputeIfAbsent(RedisServer.class,
                k -> started("redis", RedisServer.start(workDir("redis"))), RedisServer.class);
    }

    private static <T extends AutoCloseable> T started(String what, T server) {
        long millis = server instanceof KafkaBroker k ? k.startupMillis()
                : server instanceof SchemaRegistryServer s ? s.startupMillis()
                : ((RedisServer) server).startupMillis();
        log.info("test kit: {} started in {} ms", what, millis);
        return server;
    }

    /** A directory under the module's {@code target/testkit} for a fixture's files and logs. */
    public static Path workDir(String name) {
        try {
            Path dir = Paths.get("target", "testkit", name + "-" + ProcessHandle.current().pid()).toAbsolutePath();
            Files.createDirectories(dir);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A topic/application prefix no other test in this JVM will use, e.g. {@code "it-admission-3f9a2c1b."}. */
    public static String uniquePrefix(String testName) {
        return "it-" + testName + "-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    }
}
