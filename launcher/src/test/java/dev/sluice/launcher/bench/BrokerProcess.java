package dev.sluice.launcher.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

import dev.sluice.embedded.ChildProcess;
import dev.sluice.embedded.InProcessKafka;
import dev.sluice.testkit.KafkaBroker;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * The benchmark's broker as its own JVM: the same single-node KRaft broker the test kit runs ({@link InProcessKafka}),
 * so the stage under test and the benchmark's producer and observer do not share a JVM (heap, GC, JIT) with it.
 * Prints {@code BOOTSTRAP=host:port} once started; runs until killed. Usage: {@code BrokerProcess <data dir>}.
 */
public final class BrokerProcess {
    private static final String LOG = "broker.log";

    private BrokerProcess() {}

    public static void main(String[] args) throws Exception {
        KafkaClusterTestKit cluster = InProcessKafka.start(Path.of(args[0]));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cluster.close();
            } catch (Exception e) {
                System.err.println("broker close: " + e);
            }
        }));
        System.out.println("BOOTSTRAP=" + cluster.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await();
    }

    /**
     * The broker's data directory: a fresh one under {@code -Dsluice.test.broker.dir} (e.g. {@code /dev/shm}, to keep
     * the host disk's write-back stalls out of a measurement) or {@code tmp/broker}. Printed, with its file system.
     */
    static Path dataDir(Path tmp) {
        Path dir = Optional.ofNullable(KafkaBroker.logDirectory()).orElse(tmp.resolve("broker"));
        System.out.println("broker data directory: " + KafkaBroker.describe(dir.getParent()) + " " + dir.getFileName());
        return dir;
    }

    /**
     * Starts the broker JVM (1 GiB of heap, then {@code jvmFlags}) on a fresh {@link #dataDir}, its output in
     * {@code work/broker.log}; {@link #awaitBootstrap} then gives its address.
     */
    static ChildProcess start(Path work, Path tmp, List<String> jvmFlags) throws IOException {
        Path log = work.resolve(LOG);
        Files.deleteIfExists(log); // ChildProcess appends: an old run's address must not be read
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        jvm.addAll(jvmFlags);
        jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), BrokerProcess.class.getName(), dataDir(tmp).toString()));
        return ChildProcess.start("broker", Drains.command(jvm), work, log);
    }

    /** Waits (at most 120 s) for the {@code BOOTSTRAP=} line {@code broker}, started by {@link #start} in {@code work}, printed. */
    static String awaitBootstrap(ChildProcess broker, Path work) {
        Path log = work.resolve(LOG);
        String[] found = {null};
        broker.awaitReady(() -> {
            try {
                Optional<String> line = Files.readAllLines(log).stream().filter(l -> l.startsWith("BOOTSTRAP=")).findFirst();
                line.ifPresent(l -> found[0] = l.substring("BOOTSTRAP=".length()).trim());
                return line.isPresent();
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(120));
        return found[0];
    }
}
