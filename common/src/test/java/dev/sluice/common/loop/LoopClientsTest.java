package dev.sluice.common.loop;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class LoopClientsTest {

    @Test
    void shouldRetryTheProducersRefusedSendsSoonUnlessTheSettingsNameABackoff() {
        // CONCURRENT_TRANSACTIONS right after a commit is retried after this; the next commit waits for the retry
        assertThat(effectiveProducerBackoff(Map.of("bootstrap.servers", "localhost:1")))
                .isEqualTo((long) LoopClients.DEFAULT_PRODUCER_RETRY_BACKOFF_MS)
                .isLessThan(CommonClientConfigs.DEFAULT_RETRY_BACKOFF_MS);
        // kafka.retry.backoff.ms reaches the loops as this and wins
        assertThat(effectiveProducerBackoff(Map.of("bootstrap.servers", "localhost:1", "retry.backoff.ms", "250"))).isEqualTo(250L);
    }

    @Test
    void shouldGiveTheProducersTransactionsStreamsTimeoutUnlessTheSettingsNameOne() {
        // what bounds the hold of a transaction left open by a dead instance whose successor has another transactional id
        assertThat(effectiveProducer(Map.of("bootstrap.servers", "localhost:1")).getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG))
                .isEqualTo(LoopClients.DEFAULT_TRANSACTION_TIMEOUT_MS).isEqualTo(10_000)
                .isLessThan(60_000); // the client's own default
        // kafka.transaction.timeout.ms reaches the loops as this and wins
        assertThat(effectiveProducer(Map.of("bootstrap.servers", "localhost:1", "transaction.timeout.ms", "30000"))
                .getInt(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG)).isEqualTo(30_000);
    }

    @Test
    void shouldGiveTheProducersBatchesRoomForABacklogsRecordsUnlessTheSettingsNameASize() {
        // an enriched record is ~1.7 KB: the client's 16 KiB batches held ~9 of them
        assertThat(effectiveProducer(Map.of("bootstrap.servers", "localhost:1")).getInt(ProducerConfig.BATCH_SIZE_CONFIG))
                .isEqualTo(LoopClients.DEFAULT_BATCH_BYTES).isEqualTo(128 * 1024);
        // kafka.batch.size reaches the loops as this and wins
        assertThat(effectiveProducer(Map.of("bootstrap.servers", "localhost:1", "batch.size", "16384"))
                .getInt(ProducerConfig.BATCH_SIZE_CONFIG)).isEqualTo(16_384);
    }

    @Test
    void shouldLeaveTheConsumersBackoffAlone() {
        assertThat(LoopClients.transactionalConsumer(Map.of("bootstrap.servers", "localhost:1"), "g", Map.of()))
                .doesNotContainKey(CommonClientConfigs.RETRY_BACKOFF_MS_CONFIG);
    }

    /** The value the producer runs with: the built map parsed the way {@code KafkaProducer} parses it. */
    private static long effectiveProducerBackoff(Map<String, Object> base) {
        return effectiveProducer(base).getLong(ProducerConfig.RETRY_BACKOFF_MS_CONFIG);
    }

    /** The settings the producer runs with: the built map parsed the way {@code KafkaProducer} parses it. */
    private static ProducerConfig effectiveProducer(Map<String, Object> base) {
        Map<String, Object> props = new java.util.HashMap<>(LoopClients.transactionalProducer(base, "tx"));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArraySerializer.class);
        return new ProducerConfig(props);
    }
}
