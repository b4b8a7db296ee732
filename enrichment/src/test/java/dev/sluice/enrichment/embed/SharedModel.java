package dev.sluice.enrichment.embed;

import java.nio.file.Path;
import java.nio.file.Paths;

/** One real all-MiniLM-L6-v2 per test JVM (loading it takes a second or two). */
public final class SharedModel {
    private static MiniLmEmbedder model;

    private SharedModel() {}

    public static synchronized MiniLmEmbedder get() {
        if (model == null) {
            model = new MiniLmEmbedder(stateDir(), 1, 2);
        }
        return model;
    }

    public static Path stateDir() {
        return Paths.get("target", "state-" + ProcessHandle.current().pid()).toAbsolutePath();
    }
}
