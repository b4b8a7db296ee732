package dev.sluice.reliability;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.function.IntSupplier;

/** Fault injection on stage processes: SIGKILL at chosen points of a workload, restart, wait until ready. */
final class Chaos {
    /** A kill planned for when the scenario's progress (outcome records) reaches {@code at}. */
    record Kill(StageProcess stage, int at) {}

    private Chaos() {}

    /**
     * {@code perStage} kills of each stage at random points between 10 % and 80 % of {@code total} (progress), in order;
     * a stage with several instances loses a randomly chosen one each time.
     */
    static List<Kill> plan(List<List<StageProcess>> stages, int perStage, int total, Random random) {
        List<Kill> kills = new ArrayList<>();
        for (List<StageProcess> instances : stages) {
            for (int i = 0; i < perStage; i++) {
                kills.add(new Kill(instances.get(random.nextInt(instances.size())), (int) (total * (0.1 + 0.7 * random.nextDouble()))));
            }
        }
        kills.sort(Comparator.comparingInt(Kill::at));
        return kills;
    }

    /**
     * Runs the plan against a scenario whose progress {@code progress} reports. Each stage has its own thread, so kills
     * of different stages may overlap; a victim is back and ready before its own next kill.
     */
    static void execute(List<Kill> plan, IntSupplier progress, Random random) {
        Map<StageProcess, List<Kill>> byStage = plan.stream().collect(Collectors.groupingBy(Kill::stage, LinkedHashMap::new, Collectors.toList()));
        List<CompletableFuture<Void>> running = byStage.values().stream().map(kills -> {
            Random own = new Random(random.nextLong());
            return CompletableFuture.runAsync(() -> {
                for (Kill k : kills) {
                    await("progress reaching " + k.at()).atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20))
                            .until(() -> progress.getAsInt() >= k.at());
                    killAndRestart(k.stage(), own);
                }
            }, r -> new Thread(r, "chaos-" + kills.get(0).stage().instance()).start());
        }).toList();
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
    }

    /** SIGKILL, a random pause of 0.2-1.5 s (what a supervisor's restart delay looks like), restart, ready. */
    static void killAndRestart(StageProcess stage, Random random) {
        System.out.printf("  kill -9 %s (pid %d)%n", stage.instance(), stage.pid());
        stage.kill();
        sleep(200 + random.nextInt(1_300));
        stage.start();
        stage.awaitReady(Duration.ofSeconds(180));
        System.out.printf("  %s restarted (pid %d)%n", stage.instance(), stage.pid());
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
