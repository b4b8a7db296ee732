package dev.sluice.ingest;

import java.util.List;
import java.util.Properties;

import dev.sluice.ingest.admission.SortedBatchStore;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The benchmark's floor: an EOS v2 passthrough of the same bytes that also does the store work admission does per
 * admitted request (user state get + put, admitted-request entry get + put, both changelogged, their RocksDB copies
 * written in key order as admission's are), with no decoding and no checks. Admission cannot be faster than this with these stores.
 */
final class StateFloor {
    private static final byte[] USER_STATE = new byte[56];
    private static final byte[] REQUEST = new byte[10];

    private StateFloor() {}

    static double run(IngestCluster cluster, int records) throws Exception {
        String name = "floor";
        String out = cluster.prefix + name + "-out";
        try (Admin admin = cluster.kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(out, 6, (short) 1))).all().get();
        }
        Topology topology = new Topology();
        topology.addSource("source", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), cluster.topics.requests().name());
        topology.addProcessor("stores", StoreWork::new, "source");
        topology.addSink("sink", out, Serdes.String().serializer(), Serdes.ByteArray().serializer(), "stores");
        topology.addStateStore(Stores.keyValueStoreBuilder(SortedBatchStore.around(Stores.persistentKeyValueStore("floor-users")),
                Serdes.String(), Serdes.ByteArray()), "stores");
        topology.addStateStore(Stores.keyValueStoreBuilder(SortedBatchStore.around(Stores.persistentKeyValueStore("floor-requests")),
                Serdes.String(), Serdes.ByteArray()), "stores");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, cluster.prefix + name);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.kafka.bootstrapServers());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.STATE_DIR_CONFIG, SluiceInfra.workDir("state").resolve(cluster.prefix + name).toString());
        try (KafkaStreams streams = new KafkaStreams(topology, p)) {
            streams.start();
            long t0 = AdmissionBenchmark.awaitRunning(streams);
            long t1 = AdmissionBenchmark.awaitCount(cluster.kafka, List.of(out), records);
            return records * 1000.0 / (t1 - t0);
        }
    }

    /** Per record: the store calls of one admission, keyed like admission's (the request id is the offset here). */
    private static final class StoreWork implements Processor<String, byte[], String, byte[]> {
        private ProcessorContext<String, byte[]> context;
        private KeyValueStore<String, byte[]> users;
        private KeyValueStore<String, byte[]> requests;

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            this.context = context;
            users = context.getStateStore("floor-users");
            requests = context.getStateStore("floor-requests");
        }

        @Override
        public void process(Record<String, byte[]> record) {
            String key = record.key() + '|' + context.recordMetadata().orElseThrow().offset() + "-0000-0000-0000-000000000000";
            requests.get(key);
            users.get(record.key());
            requests.put(key, REQUEST);
            users.put(record.key(), USER_STATE);
            context.forward(record);
        }
    }
}
