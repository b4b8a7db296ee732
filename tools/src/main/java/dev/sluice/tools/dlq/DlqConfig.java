package dev.sluice.tools.dlq;

import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.INT;

import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import org.apache.kafka.common.config.ConfigDef.Range;

/** The dead-letter tools' settings; {@code docs/configuration.md} lists them under their own section. */
public final class DlqConfig {
    /** Replays after which {@code sluice dlq replay} refuses a dead letter. */
    public static final String MAX_REPLAYS = "dlq.max.replays";
    /** Default of {@link #MAX_REPLAYS}, replays. */
    public static final int DEFAULT_MAX_REPLAYS = 3;

    private static final ConfigDefinition DEFINITION = ConfigDefinition.named("Dead-letter tools (`sluice dlq`)")
            .define(MAX_REPLAYS, INT, DEFAULT_MAX_REPLAYS, Range.between(0, 1000), MEDIUM,
                    "Replays after which `sluice dlq replay` refuses a dead letter (loop guard); `--max-replays` overrides it.");

    private DlqConfig() {}

    /** Every key of the dead-letter tools. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** {@link #MAX_REPLAYS} as configured; an error names the key, its source and the bad value. */
    public static int maxReplays(SluiceConfig config) {
        return DEFINITION.validate(config).intValue(MAX_REPLAYS);
    }
}
