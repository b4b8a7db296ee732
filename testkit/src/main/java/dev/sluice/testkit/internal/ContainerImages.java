package dev.sluice.testkit.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The images of the container backend, from {@code container-images.properties}, which the build fills in from the
 * parent pom's {@code kafka.version} and {@code apicurio.version}: the container backend runs the same releases as
 * the in-process one.
 */
public final class ContainerImages {
    private static final Properties IMAGES = load();

    private ContainerImages() {}

    /** {@code apache/kafka:<kafka.version>}. */
    public static String kafka() {
        return image("kafka");
    }

    /** {@code apicurio/apicurio-registry:<apicurio.version>}. */
    public static String registry() {
        return image("registry");
    }

    /** {@code redis:7}. */
    public static String redis() {
        return image("redis");
    }

    private static String image(String name) {
        String image = IMAGES.getProperty(name);
        if (image == null || image.contains("${")) {
            throw new IllegalStateException("no " + name + " image in container-images.properties (was the resource filtered?): " + image);
        }
        return image;
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = ContainerImages.class.getResourceAsStream("container-images.properties")) {
            if (in != null) {
                properties.load(in);
            }
            return properties;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
