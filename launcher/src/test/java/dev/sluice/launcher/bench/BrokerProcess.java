package dev.sluice.launcher.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import dev.sluice.embedded.InProcessKafka;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * The benchmark's broker as its own JVM: the same single-node KRaft broker the test kit runs ({@link InProcessKafka}),
 * so the stage under test and the benchmark's producer and observer do not share a JVM (heap, GC, JIT) with it.
 * Prints {@code BOOTSTRAP=host:port} once started; runs until killed. Usage: {@code BrokerProcess <data dir>}.
 */
public final class BrokerProcess {
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
}
