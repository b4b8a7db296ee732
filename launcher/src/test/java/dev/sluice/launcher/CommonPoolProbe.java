package dev.sluice.launcher;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;

/**
 * A child JVM for {@link JvmDefaultsTest}: applies {@link SluiceCli#jvmDefaults()} unless told not to, then prints
 * the common pool's parallelism and the class of CompletableFuture's default async executor.
 */
public final class CommonPoolProbe {
    private CommonPoolProbe() {}

    public static void main(String[] args) {
        if (args.length == 0 || !args[0].equals("without")) {
            SluiceCli.jvmDefaults();
        }
        System.out.println(ForkJoinPool.getCommonPoolParallelism() + " " + new CompletableFuture<Void>().defaultExecutor().getClass().getName());
    }
}
