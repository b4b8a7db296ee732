package dev.sluice.gateway.outcome;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicSetup;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.gateway.Fixtures;
import dev.sluice.schema.GenerationResult;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A look-up reads the user's partitions of the outcome topics over the look-back window. One that runs out of time
 * before it has read them to their end says so: the outcome may be in what it did not read, so "not found" would be
 * a wrong answer. Before 2026-12-07 it answered "not found" (a 404).
 */
@Tag("integration")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class OutcomeLookupIT {
    private static final String USER = "lookup-user";

    @Test
    void shouldFindAnOutcomeBehindOthersAndSayItCouldNotFinishRatherThanNotFoundWhenOutOfTime(KafkaBroker kafka,
                                                                                              SchemaRegistryServer registry) throws Exception {
        TopicCatalog catalog = new TopicCatalog(SluiceInfra.uniquePrefix("lookup"), 3, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            TopicSetup.createAll(catalog, admin, (short) 1);
        }
        Map<String, Object> client = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        OutcomeDecoder decoder = new OutcomeDecoder(catalog);
        try (OutcomeLookup enoughTime = new OutcomeLookup(client, decoder, Duration.ofHours(1), Clock.systemUTC());
             OutcomeLookup noTime = new OutcomeLookup(client, decoder, Duration.ofHours(1), Clock.systemUTC(), Duration.ZERO)) {
            assertThat(noTime.find(USER, "anything").join()).as("nothing in the window: read to its end at once, none").isEmpty();

            String wanted = UUID.randomUUID().toString();
            try (KafkaProducer<String, GenerationResult> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()), new StringSerializer(), catalog.results().valueSerde().serializer())) {
                for (int i = 0; i < 2_000; i++) { // the user's other outcomes, read before the one asked for
                    producer.send(new ProducerRecord<>(catalog.results().name(), USER, Fixtures.result(USER, UUID.randomUUID().toString(), "other")));
                }
                producer.send(new ProducerRecord<>(catalog.results().name(), USER, Fixtures.result(USER, wanted, "the answer")));
            }

            Optional<Outcome> found = enoughTime.find(USER, wanted).join();
            assertThat(found).get().isInstanceOfSatisfying(Outcome.Completed.class,
                    c -> assertThat(c.result().getContent()).isEqualTo("the answer"));
            assertThatThrownBy(() -> noTime.find(USER, wanted).join()).as("out of time before the end: not a \"not found\"")
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(OutcomeLookup.Incomplete.class)
                    .hasMessageContaining("did not finish reading");
        }
    }
}
