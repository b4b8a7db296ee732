package dev.sluice.launcher.embedded;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Optional;

import dev.sluice.embedded.ApicurioRegistry;
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

    private final ApicurioRegistry registry;

    private EmbeddedRegistry(ApicurioRegistry registry) {
        this.registry = registry;
    }

    public static EmbeddedRegistry start(Path workDir, Duration timeout) {
        Path home = home();
        Path jar = ApicurioRegistry.runnerJar(home).orElseThrow(() -> missing(home));
        try {
            return new EmbeddedRegistry(ApicurioRegistry.start(jar, workDir, timeout));
        } catch (IllegalStateException e) {
            throw new LauncherException(e.getMessage(), LauncherException.EXIT_FAILURE, e);
        }
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

    private static LauncherException missing(Path home) {
        return new LauncherException("the Apicurio registry bundle is not at " + home
                + "; build it with ./mvnw -q package -DskipTests (it is unpacked next to launcher/target/sluice.jar), "
                + "or point -D" + HOME_PROPERTY + " / SLUICE_APICURIO_HOME at an unpacked apicurio-registry-app bundle, "
                + "or use an existing registry with SLUICE_SCHEMA_REGISTRY_URL");
    }

    /** The Confluent-compatible base URL. */
    public String url() {
        return registry.url();
    }

    @Override
    public void close() {
        registry.close();
    }
}
