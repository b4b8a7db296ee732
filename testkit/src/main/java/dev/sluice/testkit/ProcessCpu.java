package dev.sluice.testkit;

/** CPU time of a process, for benchmarks that split a run's CPU between the JVMs taking part. */
public final class ProcessCpu {
    private ProcessCpu() {}

    /** CPU time the process has used so far (user + system, all its threads), in microseconds; 0 if the OS does not say. */
    public static long micros(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(d -> d.toNanos() / 1_000).orElse(0L);
    }

    /** The same for this JVM. */
    public static long ownMicros() {
        return micros(ProcessHandle.current().pid());
    }
}
