package dev.sluice.enrichment.embed;

import java.nio.file.Path;
import java.util.List;

/** Run in a child JVM by {@link NoFilesOutsideStateDirIT}: loads the model and embeds once. */
public final class SideEffectProbe {
    private SideEffectProbe() {}

    public static void main(String[] args) {
        try (MiniLmEmbedder model = new MiniLmEmbedder(Path.of(args[0]), 8, 1)) {
            System.out.println("dims=" + model.embedAll(List.of("hello side effects")).get(0).length);
        }
    }
}
