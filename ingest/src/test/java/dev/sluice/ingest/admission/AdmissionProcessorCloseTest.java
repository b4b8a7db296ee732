package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.ceiling.CeilingTopology;
import dev.sluice.ingest.wire.FakeSchemaRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedPunctuator;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A closed admission processor leaves nothing scheduled: Kafka Streams runs {@code init} on new processors when it
 * resumes or revives a task but keeps the task's old schedules, so the old ones must be cancelled by the processor.
 */
class AdmissionProcessorCloseTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldCancelEveryPunctuationItScheduledWhenClosed() {
        // commit pacing (on by default) and the global ceiling on, so that every schedule init can make is made
        IngestConfig config = IngestConfig.from(SluiceConfig.of(Map.of("state.dir", stateDir.toString(),
                "ingest.global.budget.per.minute.micros", "120000")));
        TopicCatalog topics = new TopicCatalog("", 6, new SchemaRegistryClient(FakeSchemaRegistry.get().url()));
        MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        for (String store : List.of(AdmissionTopology.USER_STATE_STORE, AdmissionTopology.REQUESTS_STORE,
                AdmissionTopology.USER_WINDOW_STORE, CeilingTopology.TASK_LEASE_STORE)) {
            add(context, store, Serdes.ByteArray());
        }
        add(context, AdmissionTopology.POLICIES_STORE, topics.userPolicies().valueSerde());
        AdmissionProcessor processor = new AdmissionProcessor(config, new AdmissionMetrics(new SimpleMeterRegistry()), 6,
                new PolicyCache.Changes());

        processor.init(context);
        assertThat(context.scheduledPunctuators()).as("the sweep, the commit pacer and the ceiling's idle returns").hasSize(3)
                .noneMatch(CapturedPunctuator::cancelled);
        processor.close();

        assertThat(context.scheduledPunctuators()).as("every schedule of the closed processor").allMatch(CapturedPunctuator::cancelled);
    }

    private static <V> void add(MockProcessorContext<String, Object> context, String name, Serde<V> values) {
        StateStore store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), values)
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }
}
