package dev.sluice.ingest.wire;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.Role;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * JMH: admission's wire work on one request (a system and a ~400-character user message, two metadata entries):
 * decoding it ({@link RequestWire}: Avro's reader, and whether the datum ended the payload) against copying its bytes as a
 * passthrough does, and writing the admitted record by splicing the received bytes ({@link AdmittedSerializer#splice})
 * against Avro's writer. Run by {@code IngestMicroBenchmark} ({@code -Pbench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class WireHotPaths {
    private static final int SCHEMA_ID = 7;
    private byte[] payload;
    private Admission admission;
    private SpecificDatumWriter<AdmittedRequest> writer;
    private BinaryEncoder encoder;
    private ByteArrayOutputStream out;

    @Setup
    public void setUp() throws IOException {
        LlmRequest request = new LlmRequest("req-0123456789abcdef", "user-4711", "gpt-4o-mini",
                List.of(new ChatMessage(Role.SYSTEM, "You are a helpful assistant."),
                        new ChatMessage(Role.USER, "how do i configure a kafka consumer for exactly once processing ".repeat(6))),
                256, 0.2, Map.of("team", "search", "trace", "4bf92f3577b34da6"), Instant.ofEpochMilli(1_764_000_000_000L));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {0, 0, 0, 0, SCHEMA_ID});
        BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(LlmRequest.class).write(request, e);
        e.flush();
        payload = bytes.toByteArray();
        admission = new Admission(new ReceivedRequest(request, payload, payload.length), "PRO", 130, 4_500, 1_764_000_000_100L);
        writer = new SpecificDatumWriter<>(AdmittedRequest.class);
        out = new ByteArrayOutputStream(payload.length + 64);
    }

    @Benchmark
    public Object decodeRequest() throws IOException {
        return RequestWire.decode(payload);
    }

    @Benchmark
    public byte[] copyPayload() {
        return payload.clone(); // what a byte-copying passthrough does with the same record
    }

    @Benchmark
    public byte[] admittedSpliced() {
        return AdmittedSerializer.splice(SCHEMA_ID, payload, admission);
    }

    @Benchmark
    public byte[] admittedAvro() throws IOException {
        out.reset();
        out.write(payload, 0, 5);
        encoder = EncoderFactory.get().binaryEncoder(out, encoder);
        writer.write(admission.toAvro(), encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
