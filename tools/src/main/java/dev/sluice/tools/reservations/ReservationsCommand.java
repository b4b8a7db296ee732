package dev.sluice.tools.reservations;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.Durations;
import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.ingest.admission.HeldReservation;
import dev.sluice.tools.dlq.DlqReader;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice reservations [--older-than 1h] [--user U] [--json]}: the money admission holds for requests that have
 * no outcome yet, read from its admitted-requests changelog ({@code read_committed}, to the end offsets taken at
 * start), oldest first. Reservations never lapse by time, so a request that vanished without an outcome holds its
 * money until an operator releases it ({@code sluice dlq discard}, or a RELEASED cost event); this is how to find
 * them. Needs the ingest stage's application id ({@code ingest.application.id}, default
 * {@code <topic.prefix>sluice-ingest}).
 */
@Command(name = "reservations", mixinStandardHelpOptions = true,
        description = "List the reservations admission holds (money held for requests with no outcome yet), oldest first.",
        subcommands = ReleaseCommand.class)
public final class ReservationsCommand implements Callable<Integer> {
    private final Supplier<SluiceConfig> config;
    private final Clock clock;
    @Spec
    CommandSpec spec;
    @Option(names = "--older-than", paramLabel = "SPAN", defaultValue = "0s",
            description = "Show only reservations held for longer than this, e.g. 1h (default: every one).")
    String olderThan;
    @Option(names = "--user", paramLabel = "USER", description = "Show only this user's reservations.")
    String user;
    @Option(names = "--json", description = "Print one JSON document: the totals, the oldest's age and the reservations shown.")
    boolean json;

    public ReservationsCommand() {
        this(SluiceConfig::fromEnvironment, Clock.systemUTC());
    }

    public ReservationsCommand(SluiceConfig config, Clock clock) {
        this(() -> config, clock);
    }

    public ReservationsCommand(Supplier<SluiceConfig> config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReservationsCommand()).execute(args));
    }

    @Override
    public Integer call() {
        Duration minAge = Durations.parse(olderThan);
        HeldReservations held = read();
        Instant now = clock.instant();
        Predicate<HeldReservation> selected = r -> Duration.between(r.admittedAt(), now).compareTo(minAge) > 0
                && (user == null || user.equals(r.userId()));
        List<HeldReservation> shown = held.select(selected);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            held.printJson(out, shown, now);
        } else {
            held.print(out, shown, now, (minAge.isZero() ? "every one" : "held for longer than " + olderThan)
                    + (user == null ? "" : ", user " + user));
        }
        return 0;
    }

    /** Every reservation admission holds now, from its changelog. */
    HeldReservations read() {
        SluiceConfig cfg = config.get();
        String applicationId = IngestConfig.from(cfg).applicationId();
        String topic = HeldReservation.changelogTopic(applicationId);
        requireTopic(cfg, topic, applicationId);
        HeldReservations held = new HeldReservations();
        new DlqReader(CommonKeys.kafkaClientProperties(cfg)).scan(topic, record -> held.accept(record.key(), record.value()));
        return held;
    }

    SluiceConfig config() {
        return config.get();
    }

    Clock clock() {
        return clock;
    }

    /** Fails with what to check when the changelog is missing: admission never ran here, or under another id. */
    private static void requireTopic(SluiceConfig cfg, String topic, String applicationId) {
        try (Admin admin = Admin.create(CommonKeys.kafkaClientProperties(cfg))) {
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("no changelog " + topic + ": has admission run with ingest.application.id="
                        + applicationId + " against this cluster?");
            }
            throw new IllegalStateException("could not look up " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not look up " + topic + " within 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
