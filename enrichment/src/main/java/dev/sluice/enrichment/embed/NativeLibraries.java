package dev.sluice.enrichment.embed;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Keeps the local model's native side effects inside the configured state directory. By default DJL extracts its
 * tokenizer library to {@code ~/.djl.ai}, JNA to {@code ~/.cache/JNA}, and ONNX Runtime its libraries to a fresh
 * {@code onnxruntime-java*} directory under {@code java.io.tmpdir}. Before the first model load this extracts ONNX
 * Runtime's libraries to {@code <state>/native/onnxruntime-<version>} and points {@code onnxruntime.native.path} there
 * (ORT then only creates and at once deletes an empty temp directory), and points {@code DJL_CACHE_DIR},
 * {@code ENGINE_CACHE_DIR} and {@code jna.tmpdir} into the state directory; DJL is set offline so it never downloads.
 * Settings an operator already made (system properties or DJL environment variables) are left alone.
 *
 * <p>ONNX Runtime is pinned to 1.20 in the POM: 1.29 writes telemetry (a device id and an event queue under
 * {@code $HOME/.cache/Microsoft}) and {@code /tmp/mat-debug-<pid>.log}.
 */
public final class NativeLibraries {
    static final String ORT_VERSION = "1.20.0";
    private static final String[] ORT_LIBS = {"libonnxruntime.so", "libonnxruntime4j_jni.so"};

    private NativeLibraries() {}

    /** Idempotent; call before the first use of ONNX Runtime or the DJL tokenizer in this JVM. */
    public static synchronized void confine(Path stateDir) {
        Path nativeDir = stateDir.resolve("native");
        setIfAbsent("DJL_CACHE_DIR", nativeDir.resolve("djl").toString());
        setIfAbsent("ENGINE_CACHE_DIR", nativeDir.resolve("djl").toString());
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("jna.tmpdir", nativeDir.resolve("jna").toString());
        if (System.getProperty("onnxruntime.native.path") == null) {
            extractOrt(nativeDir.resolve("onnxruntime-" + ORT_VERSION)).ifPresentOrElse(
                    dir -> System.setProperty("onnxruntime.native.path", dir.toString()), () -> { });
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }

    // Only for platforms whose libraries the ORT jar ships; elsewhere ORT falls back to its own extraction.
    private static java.util.Optional<Path> extractOrt(Path dir) {
        String platform = platform();
        if (platform == null) {
            return java.util.Optional.empty();
        }
        try {
            Files.createDirectories(dir);
            for (String lib : ORT_LIBS) {
                String resource = "/ai/onnxruntime/native/" + platform + "/" + lib;
                try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return java.util.Optional.empty();
                    }
                    Path target = dir.resolve(lib);
                    if (!Files.exists(target)) {
                        Path tmp = Files.createTempFile(dir, lib, ".part");
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return java.util.Optional.of(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract ONNX Runtime libraries into " + dir, e);
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        if (!os.contains("linux")) {
            return null;
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x64";
            case "aarch64" -> "linux-aarch64";
            default -> null;
        };
    }
}
