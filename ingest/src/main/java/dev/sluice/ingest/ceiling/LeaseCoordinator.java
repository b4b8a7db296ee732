package dev.sluice.ingest.ceiling;

import java.nio.ByteBuffer;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of how much of each window's pool is granted: the only task of the one-partition lease-requests
 * topic, so Kafka Streams places it on one instance and moves it (with its changelogged store) when that instance
 * dies. It sees a few records per window (one per slice), never one per request. Grants at most what is left of the
 * pool (possibly 0, flagged exhausted), forgets a window when a request for a later one arrives (the windows are
 * broker time, so an earlier window is over), and takes returns back into the pool.
 */
public final class LeaseCoordinator implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(LeaseCoordinator.class);

    private final CeilingConfig config;
    private final int partitions;
    private final String sink;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> granted;

    public LeaseCoordinator(CeilingConfig config, int partitions, String sink) {
        this.config = config;
        this.partitions = partitions;
        this.sink = sink;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.granted = context.getStateStore(CeilingTopology.COORDINATOR_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        LeaseMessage m = LeaseMessage.decodeOrSkip(record.value(), "lease-requests");
        if (m == null) {
            return;
        }
        if (m.kind() == LeaseMessage.Kind.GRANT || m.partition() < 0 || m.partition() >= partitions || m.amountMicros() < 0) {
            log.warn("skipping a lease message that is not a request or return from a partition below {}: {} from {}",
                    partitions, m.kind(), m.partition());
            return;
        }
        long[] state = read(m.window());
        long window = state[0];
        long pooled = state[1];
        if (m.windowNumber() > window) {
            window = m.windowNumber();
            pooled = 0;
        }
        if (m.kind() == LeaseMessage.Kind.RETURN) {
            if (m.windowNumber() == window) {
                write(m.window(), window, Math.max(0, pooled - m.amountMicros()));
            }
            return;
        }
        long left = m.windowNumber() == window ? config.pool(m.window(), partitions) - pooled : 0;
        long grant = Math.max(0, Math.min(left, m.amountMicros()));
        write(m.window(), window, pooled + grant);
        LeaseMessage answer = new LeaseMessage(LeaseMessage.Kind.GRANT, m.window(), m.windowNumber(), m.partition(), grant,
                grant < m.amountMicros());
        context.forward(new Record<>(record.key(), answer.encode(), record.timestamp()), sink);
    }

    private long[] read(CeilingWindow w) {
        byte[] raw = granted.get(w.key());
        if (raw == null) {
            return new long[] {Long.MIN_VALUE, 0};
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        return new long[] {b.getLong(), b.getLong()};
    }

    private void write(CeilingWindow w, long window, long pooled) {
        granted.put(w.key(), ByteBuffer.allocate(16).putLong(window).putLong(pooled).array());
    }
}
