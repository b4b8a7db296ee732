package dev.sluice.launcher.bench;

import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * P1's baseline as its own process: a plain Kafka Streams {@code exactly_once_v2} passthrough (bytes in, bytes out,
 * no state), every other setting at the Streams default (commit interval 100 ms under EOS, one stream thread), like
 * {@code sluice run ingest}. Usage: {@code PassthroughProcess <bootstrap> <application id> <in> <out> <state dir>}.
 */
public final class PassthroughProcess {
    private PassthroughProcess() {}

    public static void main(String[] args) throws Exception {
        Topology topology = new Topology();
        topology.addSource("source", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), args[2]);
        topology.addSink("sink", args[3], Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer(), "source");
        Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
        KafkaStreams streams = new KafkaStreams(topology, p);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            streams.close();
            stopped.countDown();
        }));
        streams.start();
        stopped.await();
    }
}
