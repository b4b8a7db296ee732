package dev.sluice.tools.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicNames;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class DlqDiscardIT {

    @Test
    void shouldReleaseTheReservationsOfDiscardedLettersPastAdmissionOnceAndNeverReplayThem(KafkaBroker kafka, SchemaRegistryServer registry) {
        DlqFixture f = new DlqFixture(kafka, "dlq-discard");
        kafka.createTopics(3, f.topic(TopicNames.COSTS));
        SluiceConfig config = SluiceConfig.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "topic.prefix", f.prefix,
                "topic.partitions", "3", "schema.registry.url", registry.url()));
        String dlq = f.topic(TopicNames.DLQ);
        String alice = UUID.randomUUID().toString();
        String bob = UUID.randomUUID().toString();
        String carol = UUID.randomUUID().toString();
        f.send(List.of(
                DlqFixture.letter(dlq, f.topic(TopicNames.ENRICHED), 1, "generation", "RETRIES_EXHAUSTED", "alice", alice, DlqFixture.hoursAgo(1), 0),
                DlqFixture.letter(dlq, f.topic(TopicNames.ENRICHED), 2, "generation", "OUTCOME_UNKNOWN", "bob", bob, DlqFixture.hoursAgo(1), 0),
                DlqFixture.letter(dlq, f.topic(TopicNames.ADMITTED), 3, "enrichment", "INTERNAL_ERROR", "carol", carol, DlqFixture.hoursAgo(1), 0),
                DlqFixture.letter(dlq, f.topic(TopicNames.REQUESTS), 4, "ingest", "DESERIALIZATION", "dave", "r-4", DlqFixture.hoursAgo(1), 0)));

        String dry = run(config, "discard", "--dry-run");
        assertThat(dry.lines().filter(l -> l.startsWith("would discard and release the reservation of "))).hasSize(2);
        assertThat(dry.lines().filter(l -> l.startsWith("would refuse (outcome unknown"))).hasSize(1);
        assertThat(dry.lines().filter(l -> l.startsWith("would discard (no reservation held)"))).hasSize(1);
        assertThat(f.readAll(f.topic(TopicNames.COSTS))).as("a dry run sends nothing").isEmpty();

        assertThat(run(config, "discard", "--user", "bob")).as("bob's call may have been billed")
                .contains("0 discarded with their reservation released, 0 discarded holding none, 0 skipped (replayed or discarded before), 1 refused");
        assertThat(run(config, "discard", "--user", "bob", "--not-billed")).contains("1 discarded with their reservation released");
        assertThat(run(config, "discard")).contains("2 discarded with their reservation released, 1 discarded holding none, 1 skipped");
        assertThat(run(config, "discard")).as("discarding again releases nothing twice")
                .contains("0 discarded with their reservation released, 0 discarded holding none, 4 skipped");

        TopicCatalog topics = new TopicCatalog(f.prefix, 3, new SchemaRegistryClient(registry.url()));
        List<CostEvent> releases = f.readAll(f.topic(TopicNames.COSTS)).stream()
                .map(r -> topics.costs().valueSerde().deserializer().deserialize(r.topic(), r.value())).toList();
        assertThat(releases).extracting(CostEvent::getRequestId).containsExactlyInAnyOrder(alice, bob, carol);
        assertThat(releases).allSatisfy(e -> {
            assertThat(e.getKind()).isEqualTo(CostKind.RELEASED);
            assertThat(e.getCostMicros()).isZero();
        });
        assertThat(f.readAll(f.topic(TopicNames.COSTS))).allSatisfy(r -> assertThat(new String(r.key())).isIn("alice", "bob", "carol"));

        run(config, "replay");
        run(config, "replay", "--again");
        assertThat(f.readAll(f.topic(TopicNames.ENRICHED))).as("a discarded letter is never replayed").isEmpty();
        assertThat(f.readAll(f.topic(TopicNames.ADMITTED))).isEmpty();
    }

    private static String run(SluiceConfig config, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new DlqCommand(config, Clock.fixed(DlqFixture.NOW, ZoneOffset.UTC)));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isZero();
        return out.toString();
    }
}
