package dev.sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time per thread of a process, from Linux's {@code /proc/<pid>/task/<tid>/stat}, for benchmarks that ask which
 * threads use a JVM's CPU (a thread's name there is the JVM's, cut to 15 characters). Empty where there is no
 * {@code /proc}.
 */
public final class ThreadCpu {
    private final Map<Long, Long> ticks;
    private final Map<Long, String> names;

    private ThreadCpu(Map<Long, Long> ticks, Map<Long, String> names) {
        this.ticks = ticks;
        this.names = names;
    }

    /** The CPU ticks (user + system) each thread of {@code pid} has used so far. */
    public static ThreadCpu of(long pid) {
        Map<Long, Long> ticks = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String[] f = stat.substring(close + 2).split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12])); // utime, stime (fields 14, 15)
                    names.put(tid, stat.substring(stat.indexOf('(') + 1, close));
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            return new ThreadCpu(Map.of(), Map.of());
        }
        return new ThreadCpu(ticks, names);
    }

    /**
     * The threads that used CPU since {@code before}, grouped by name with digits folded ({@code pool-3-thread-12} →
     * {@code pool-#-thread-#}), busiest first: {@code name ms, …} for at most {@code top} groups.
     */
    public String since(ThreadCpu before, int top) {
        long hz = 100; // USER_HZ on Linux
        Map<String, Long> byName = new TreeMap<>();
        ticks.forEach((tid, t) -> {
            long d = t - before.ticks.getOrDefault(tid, 0L);
            if (d > 0) {
                byName.merge(names.get(tid).replaceAll("\\d+", "#"), d, Long::sum);
            }
        });
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(byName.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(top, sorted.size()); i++) {
            out.append(i == 0 ? "" : ", ").append(sorted.get(i).getKey()).append(' ').append(sorted.get(i).getValue() * 1000 / hz).append(" ms");
        }
        return out.length() == 0 ? "-" : out.toString();
    }

    /** CPU milliseconds used since {@code before} by the threads whose name (as {@code /proc} shows it) starts with {@code prefix}. */
    public long millisSince(ThreadCpu before, String prefix) {
        long hz = 100; // USER_HZ on Linux
        long sum = 0;
        for (Map.Entry<Long, Long> e : ticks.entrySet()) {
            if (names.get(e.getKey()).startsWith(prefix)) {
                sum += e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L);
            }
        }
        return sum * 1000 / hz;
    }
}
