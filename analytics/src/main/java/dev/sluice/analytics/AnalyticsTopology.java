package dev.sluice.analytics;

import java.time.Duration;
import java.time.Instant;
import java.util.Properties;

import dev.sluice.analytics.internal.Aggregates;
import dev.sluice.analytics.internal.AvroBinarySerde;
import dev.sluice.analytics.internal.CostDeduplicator;
import dev.sluice.analytics.internal.EventTimestamps;
import dev.sluice.analytics.internal.LateEventGuard;
import dev.sluice.common.UtcWindows;
import dev.sluice.analytics.schema.DailySavings;
import dev.sluice.analytics.schema.ModelHourlySpend;
import dev.sluice.analytics.schema.RejectionCount;
import dev.sluice.analytics.schema.SpendTotals;
import dev.sluice.analytics.schema.Spender;
import dev.sluice.analytics.schema.TopSpenders;
import dev.sluice.analytics.schema.UserDailySpend;
import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The analytics app: distinct cost events (deduplicated by requestId) summed per user per UTC day, per model per
 * UTC hour and per day for cache savings; top spenders per day ranked from the user-day totals; rejections
 * counted per reason per UTC hour. Windows use event time; an event up to {@code grace} late lands in its window,
 * a later one is dropped and counted. Every store, changelog and repartition topic is named here.
 */
public final class AnalyticsTopology {
    public static final String DEDUPE_STORE = "analytics-cost-dedupe-store";
    public static final String USER_DAY_STORE = "analytics-user-day-store";
    public static final String MODEL_HOUR_STORE = "analytics-model-hour-store";
    public static final String SAVINGS_DAY_STORE = "analytics-savings-day-store";
    public static final String REJECTIONS_HOUR_STORE = "analytics-rejections-hour-store";
    public static final String TOP_SPENDERS_STORE = "analytics-top-spenders-store";
    public static final String BY_MODEL_REPARTITION = "analytics-costs-by-model";
    public static final String FOR_SAVINGS_REPARTITION = "analytics-costs-for-savings";
    public static final String BY_REASON_REPARTITION = "analytics-rejections-by-reason";
    public static final String BY_DAY_REPARTITION = "analytics-spenders-by-day";

    /** Aggregation names, as tagged on {@code sluice.analytics.late.dropped}. */
    public static final String USER_DAY = "user-day";
    public static final String MODEL_HOUR = "model-hour";
    public static final String SAVINGS_DAY = "savings-day";
    public static final String REJECTIONS_HOUR = "rejections-hour";

    /** Every cost event is filed under this one key for the all-users savings total. */
    private static final String ALL = "all";

    private AnalyticsTopology() {}

    public static Topology build(AnalyticsTopics topics, AnalyticsConfig config, AnalyticsMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder(namingChecked(config));
        Serde<CostEvent> costSerde = AvroBinarySerde.of(CostEvent.class);
        Serde<SpendTotals> totalsSerde = AvroBinarySerde.of(SpendTotals.class);
        Duration grace = config.grace();

        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(DEDUPE_STORE, config.dedupeHorizon(), config.dedupeHorizon(), false),
                Serdes.String(), Serdes.Long()));
        KStream<String, CostEvent> distinct = builder
                .stream(topics.costs().name(), Consumed.with(topics.costs().keySerde(), topics.costs().valueSerde())
                        .withTimestampExtractor(new EventTimestamps()).withName("costs"))
                // Only CHARGED events are money; RELEASED and OVERSPENT end or flag a reservation (admission's business).
                .filter((user, cost) -> cost != null && cost.getKind() == CostKind.CHARGED, Named.as("drop-cost-tombstones"))
                .processValues(() -> new CostDeduplicator(DEDUPE_STORE, config.dedupeHorizon(), metrics),
                        Named.as("dedupe-costs-by-request-id"), DEDUPE_STORE);

        // Spend per user per UTC day: already keyed by user, no repartition.
        KTable<Windowed<String>, SpendTotals> userDay = distinct
                .processValues(() -> new LateEventGuard<CostEvent>(UtcWindows.DAY, grace, USER_DAY, metrics), Named.as("late-guard-" + USER_DAY))
                .groupByKey(Grouped.with("analytics-costs-by-user", Serdes.String(), costSerde))
                .windowedBy(TimeWindows.ofSizeAndGrace(UtcWindows.DAY, grace))
                .aggregate(Aggregates::emptyTotals, (user, cost, totals) -> Aggregates.add(totals, cost), Named.as("sum-" + USER_DAY),
                        windowed(USER_DAY_STORE, totalsSerde, UtcWindows.DAY, grace));
        KStream<String, UserDailySpend> userDayRows = userDay.toStream(Named.as(USER_DAY + "-changes"))
                .filter((window, totals) -> totals != null, Named.as(USER_DAY + "-drop-null"))
                .map((window, totals) -> {
                    String day = UtcWindows.day(window.window().start());
                    return KeyValue.pair(window.key() + "|" + day,
                            new UserDailySpend(window.key(), day, Instant.ofEpochMilli(window.window().start()), totals));
                }, Named.as(USER_DAY + "-rows"));
        userDayRows.to(topics.spendByUserDay().name(), Produced.with(Serdes.String(), topics.spendByUserDay().valueSerde())
                .withName("to-spend-by-user-day"));

        // Top spenders per day, ranked from the user-day totals.
        Serde<Spender> spenderSerde = AvroBinarySerde.of(Spender.class);
        userDayRows
                .map((key, row) -> KeyValue.pair(row.getDay(), new Spender(row.getUserId(), row.getTotals().getCostMicros())),
                        Named.as("spender-by-day"))
                .repartition(Repartitioned.<String, Spender>as(BY_DAY_REPARTITION).withKeySerde(Serdes.String()).withValueSerde(spenderSerde))
                .groupByKey(Grouped.with("analytics-spenders-grouped", Serdes.String(), spenderSerde))
                .aggregate(Aggregates::emptyTop, (day, spender, top) -> Aggregates.rank(day, spender, top, config.topSpenders()),
                        Named.as("rank-top-spenders"),
                        Materialized.<String, TopSpenders, KeyValueStore<Bytes, byte[]>>as(TOP_SPENDERS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(AvroBinarySerde.of(TopSpenders.class)))
                .toStream(Named.as("top-spenders-changes"))
                .to(topics.topSpendersByDay().name(), Produced.with(Serdes.String(), topics.topSpendersByDay().valueSerde())
                        .withName("to-top-spenders-by-day"));

        // Spend per model per UTC hour.
        sumByWindow(distinct, (user, cost) -> cost.getModel(), BY_MODEL_REPARTITION, MODEL_HOUR, MODEL_HOUR_STORE,
                UtcWindows.HOUR, costSerde, totalsSerde, grace, metrics)
                .map((window, totals) -> KeyValue.pair(window.key() + "|" + UtcWindows.hour(window.window().start()),
                        new ModelHourlySpend(window.key(), Instant.ofEpochMilli(window.window().start()), totals)), Named.as(MODEL_HOUR + "-rows"))
                .to(topics.spendByModelHour().name(), Produced.with(Serdes.String(), topics.spendByModelHour().valueSerde())
                        .withName("to-spend-by-model-hour"));

        // Cache savings (and totals) across all users per UTC day.
        sumByWindow(distinct, (user, cost) -> ALL, FOR_SAVINGS_REPARTITION, SAVINGS_DAY, SAVINGS_DAY_STORE,
                UtcWindows.DAY, costSerde, totalsSerde, grace, metrics)
                .map((window, totals) -> {
                    String day = UtcWindows.day(window.window().start());
                    return KeyValue.pair(day, new DailySavings(day, Instant.ofEpochMilli(window.window().start()), totals));
                }, Named.as(SAVINGS_DAY + "-rows"))
                .to(topics.savingsByDay().name(), Produced.with(Serdes.String(), topics.savingsByDay().valueSerde())
                        .withName("to-savings-by-day"));

        rejections(builder, topics, grace, metrics);
        return builder.build();
    }

    private static KStream<Windowed<String>, SpendTotals> sumByWindow(
            KStream<String, CostEvent> distinct, org.apache.kafka.streams.kstream.KeyValueMapper<String, CostEvent, String> rekey,
            String repartition, String aggregation, String store, Duration size, Serde<CostEvent> costSerde,
            Serde<SpendTotals> totalsSerde, Duration grace, AnalyticsMetrics metrics) {
        return distinct
                .selectKey(rekey, Named.as("key-for-" + aggregation))
                .repartition(Repartitioned.<String, CostEvent>as(repartition).withKeySerde(Serdes.String()).withValueSerde(costSerde))
                .processValues(() -> new LateEventGuard<CostEvent>(size, grace, aggregation, metrics), Named.as("late-guard-" + aggregation))
                .groupByKey(Grouped.with(repartition + "-grouped", Serdes.String(), costSerde))
                .windowedBy(TimeWindows.ofSizeAndGrace(size, grace))
                .aggregate(Aggregates::emptyTotals, (key, cost, totals) -> Aggregates.add(totals, cost), Named.as("sum-" + aggregation),
                        windowed(store, totalsSerde, size, grace))
                .toStream(Named.as(aggregation + "-changes"))
                .filter((window, totals) -> totals != null, Named.as(aggregation + "-drop-null"));
    }

    private static void rejections(StreamsBuilder builder, AnalyticsTopics topics, Duration grace, AnalyticsMetrics metrics) {
        builder.stream(topics.rejected().name(), Consumed.with(topics.rejected().keySerde(), topics.rejected().valueSerde())
                        .withTimestampExtractor(new EventTimestamps()).withName("rejections"))
                .filter((user, rejected) -> rejected != null, Named.as("drop-rejection-tombstones"))
                .peek((user, rejected) -> metrics.rejection(rejected.getReason().name()), Named.as("count-rejection-metric"))
                .map((user, rejected) -> KeyValue.pair(rejected.getReason().name(), 1L), Named.as("key-by-reason"))
                .repartition(Repartitioned.<String, Long>as(BY_REASON_REPARTITION).withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .processValues(() -> new LateEventGuard<Long>(UtcWindows.HOUR, grace, REJECTIONS_HOUR, metrics), Named.as("late-guard-" + REJECTIONS_HOUR))
                .groupByKey(Grouped.with(BY_REASON_REPARTITION + "-grouped", Serdes.String(), Serdes.Long()))
                .windowedBy(TimeWindows.ofSizeAndGrace(UtcWindows.HOUR, grace))
                .count(Named.as("count-" + REJECTIONS_HOUR), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(REJECTIONS_HOUR_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()).withRetention(UtcWindows.HOUR.plus(grace)))
                .toStream(Named.as(REJECTIONS_HOUR + "-changes"))
                .filter((window, count) -> count != null, Named.as(REJECTIONS_HOUR + "-drop-null"))
                .map((window, count) -> KeyValue.pair(window.key() + "|" + UtcWindows.hour(window.window().start()),
                        new RejectionCount(window.key(), Instant.ofEpochMilli(window.window().start()), count)), Named.as(REJECTIONS_HOUR + "-rows"))
                .to(topics.rejectionsByReasonHour().name(), Produced.with(Serdes.String(), topics.rejectionsByReasonHour().valueSerde())
                        .withName("to-rejections-by-reason-hour"));
    }

    /**
     * Topology-level settings only: the builder refuses any store, changelog or repartition topic left to an
     * auto-generated name (names must survive a topology change, or state is silently lost on upgrade).
     */
    private static TopologyConfig namingChecked(AnalyticsConfig config) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused-by-the-topology-builder:9092");
        props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        return new TopologyConfig(new StreamsConfig(props));
    }

    private static Materialized<String, SpendTotals, WindowStore<Bytes, byte[]>> windowed(String store, Serde<SpendTotals> serde,
                                                                                            Duration size, Duration grace) {
        return Materialized.<String, SpendTotals, WindowStore<Bytes, byte[]>>as(store)
                .withKeySerde(Serdes.String()).withValueSerde(serde).withRetention(size.plus(grace));
    }
}
