package dev.sluice.testkit;

import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

import dev.sluice.testkit.internal.DockerProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the test kit runs Kafka, the schema registry and Redis. Chosen once per test JVM by the system property
 * {@value #PROPERTY} (or, if that is unset, the environment variable {@value #ENV}):
 * <ul>
 *   <li>{@code auto} (the default): {@link #CONTAINERS} when a Docker engine answers, else {@link #INPROCESS};</li>
 *   <li>{@code inprocess}: {@link #INPROCESS}, without looking for Docker at all;</li>
 *   <li>{@code containers}: {@link #CONTAINERS}, failing at once if no Docker engine answers.</li>
 * </ul>
 * The choice is invisible to tests: {@link KafkaBroker}, {@link SchemaRegistryServer} and {@link RedisServer} keep
 * one API over both.
 */
public enum Backend {
    /** A KRaft broker in this JVM, an Apicurio registry child JVM and a {@code redis-server} child process. */
    INPROCESS,
    /** Testcontainers: {@code apache/kafka}, {@code apicurio/apicurio-registry} and {@code redis} images. */
    CONTAINERS;

    /** System property naming the backend: {@code auto}, {@code inprocess} or {@code containers}. */
    public static final String PROPERTY = "sluice.testkit.backend";
    /** Environment variable read when {@value #PROPERTY} is unset; same values. */
    public static final String ENV = "SLUICE_TESTKIT_BACKEND";

    private static Backend chosen;
    private static RuntimeException failure;

    /**
     * The backend of this JVM, chosen (and Docker probed, if need be) on first use; a bad configuration fails every
     * call with the same message.
     */
    public static synchronized Backend current() {
        if (chosen == null && failure == null) {
            try {
                chosen = chooseAndReport();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return chosen;
    }

    /**
     * Where the choice comes from and what it says.
     *
     * @param name  {@value #PROPERTY}, {@value #ENV}, or {@code default}
     * @param value as written, trimmed
     */
    record Setting(String name, String value) {}

    /** The configured value: the system property, else the environment variable, else {@code auto}. */
    static Setting configured(String property, Map<String, String> env) {
        if (property != null && !property.isBlank()) {
            return new Setting(PROPERTY, property.trim());
        }
        String fromEnv = env.get(ENV);
        return fromEnv == null || fromEnv.isBlank() ? new Setting("default", "auto") : new Setting(ENV, fromEnv.trim());
    }

    /**
     * The backend for a setting; {@code docker} is asked only when the value needs it.
     *
     * @throws IllegalArgumentException if the value is none of {@code auto}, {@code inprocess}, {@code containers}
     * @throws IllegalStateException    if {@code containers} is asked for and no Docker engine answers
     */
    static Backend choose(Setting setting, Supplier<DockerProbe.Answer> docker) {
        switch (setting.value().toLowerCase(Locale.ROOT)) {
            case "inprocess":
                return INPROCESS;
            case "auto":
                return docker.get().reachable() ? CONTAINERS : INPROCESS;
            case "containers":
                DockerProbe.Answer answer = docker.get();
                if (!answer.reachable()) {
                    throw new IllegalStateException(setting.name() + "=containers, but no Docker engine answers (" + answer.detail()
                            + "); start Docker, point DOCKER_HOST at one, or set " + setting.name() + "=inprocess");
                }
                return CONTAINERS;
            default:
                throw new IllegalArgumentException("unknown " + setting.name() + " value '" + setting.value()
                        + "'; expected auto, inprocess or containers");
        }
    }

    private static Backend chooseAndReport() {
        Setting setting = configured(System.getProperty(PROPERTY), System.getenv());
        long t0 = System.nanoTime();
        String[] detail = {"not probed"};
        Backend backend = choose(setting, () -> {
            DockerProbe.Answer answer = DockerProbe.probe();
            detail[0] = answer.detail();
            return answer;
        });
        Logger log = LoggerFactory.getLogger(Backend.class);
        log.info("test kit: backend {} ({}={}; Docker: {}; chosen in {} ms)", backend.name().toLowerCase(Locale.ROOT),
                setting.name(), setting.value(), detail[0], (System.nanoTime() - t0) / 1_000_000);
        return backend;
    }
}
