package dev.sluice.tools.reservations;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.contracts.Topic;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.TopicNames;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.ingest.admission.HeldReservation;
import dev.sluice.schema.CostEvent;
import dev.sluice.tools.dlq.Discarder;
import dev.sluice.tools.dlq.DlqReader;
import dev.sluice.tools.dlq.LetterFilter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice reservations release --request ID... --not-billed}: ends the reservations of requests that will never
 * have an outcome (lost, not billed), by publishing the outcome admission waits for: a RELEASED cost event on
 * {@code llm.costs}, as {@code sluice dlq discard} does for a dead letter. Only held reservations are released; a request
 * with a dead letter is refused (discard the letter instead, which also keeps it from being replayed), and nothing is
 * sent unless the operator says the requests were not billed: a released request that is called and charged after all
 * is charged in full and flagged OVERSPENT.
 */
@Command(name = "release", mixinStandardHelpOptions = true,
        description = "Release the reservations of requests that will never have an outcome (a RELEASED cost event each).")
final class ReleaseCommand implements Callable<Integer> {
    /** The {@code provider} of a release: who ended the reservation. */
    static final String RELEASED_BY = "reservations-release";
    @ParentCommand
    ReservationsCommand parent;
    @Spec
    CommandSpec spec;
    @Option(names = "--request", paramLabel = "ID", required = true, description = "A request whose reservation to release (repeatable).")
    List<String> requests;
    @Option(names = "--not-billed", description = "I checked the provider's usage: these requests were not billed. Without it nothing is sent.")
    boolean notBilled;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Set<String> wanted = new LinkedHashSet<>(requests);
        SluiceConfig cfg = parent.config();
        Map<String, List<HeldReservation>> held = new HashMap<>(); // a requestId is unique per user, not across users
        parent.read().all().stream().filter(r -> wanted.contains(r.requestId()))
                .forEach(r -> held.computeIfAbsent(r.requestId(), k -> new ArrayList<>()).add(r));
        Set<String> lettered = deadLettered(cfg, wanted);
        Instant now = parent.clock().instant();
        List<HeldReservation> release = new ArrayList<>();
        int refused = 0;
        for (String id : wanted) {
            List<HeldReservation> found = held.getOrDefault(id, List.of());
            if (found.isEmpty()) {
                out.printf("refused %s: no reservation held (charged, released, never admitted, or not yet admitted)%n", id);
                refused++;
            } else if (found.size() > 1) {
                out.printf("refused %s: held by %d users under that request id; release none rather than guess%n", id, found.size());
                refused++;
            } else if (lettered.contains(id)) {
                out.printf("refused %s: it has a dead letter; discard that instead (sluice dlq discard), which also keeps it from being replayed%n", id);
                refused++;
            } else {
                release.add(found.get(0));
            }
        }
        if (!notBilled) {
            release.forEach(r -> out.printf("would release %s of %s: %,d µ$ held for %s%n", r.requestId(), r.userId(), r.amountMicros(),
                    HeldReservations.span(Duration.between(r.admittedAt(), now))));
            out.printf("nothing sent: check the provider's usage for these requests, then run again with --not-billed%n");
            out.flush();
            return 1;
        }
        if (!release.isEmpty()) {
            send(cfg, release, now);
        }
        release.forEach(r -> out.printf("released %s of %s: %,d µ$ held for %s%n", r.requestId(), r.userId(), r.amountMicros(),
                HeldReservations.span(Duration.between(r.admittedAt(), now))));
        out.printf("%d released, %d refused%n", release.size(), refused);
        out.flush();
        return refused == 0 ? 0 : 1;
    }

    /** Which of {@code ids} have a letter in {@code llm.dlq}. */
    private static Set<String> deadLettered(SluiceConfig cfg, Set<String> ids) {
        Set<String> found = new LinkedHashSet<>();
        String dlq = cfg.string(CommonKeys.TOPIC_PREFIX, "") + TopicNames.DLQ;
        new DlqReader(CommonKeys.kafkaClientProperties(cfg)).stream(dlq, LetterFilter.all(), letter -> {
            if (ids.contains(letter.view().getRequestId())) {
                found.add(letter.view().getRequestId());
            }
        });
        return found;
    }

    private static void send(SluiceConfig cfg, List<HeldReservation> release, Instant now) throws InterruptedException, ExecutionException {
        TopicCatalog catalog = new TopicCatalog(cfg.string(CommonKeys.TOPIC_PREFIX, ""),
                cfg.intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000),
                new SchemaRegistryClient(cfg.required(CommonKeys.SCHEMA_REGISTRY_URL, "the schema registry base URL")));
        Topic<String, CostEvent> costs = catalog.costs();
        Map<String, Object> props = new HashMap<>(CommonKeys.kafkaClientProperties(cfg));
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, CostEvent> producer = new KafkaProducer<>(props, costs.keySerde().serializer(), costs.valueSerde().serializer())) {
            List<Future<?>> sent = new ArrayList<>();
            for (HeldReservation r : release) {
                CostEvent event = Discarder.releasedEvent(r.requestId(), r.userId(), RELEASED_BY, r.amountMicros(), now);
                sent.add(producer.send(new ProducerRecord<>(costs.name(), r.userId(), event)));
            }
            for (Future<?> f : sent) {
                f.get(); // every release acknowledged before it is reported
            }
        }
    }
}
