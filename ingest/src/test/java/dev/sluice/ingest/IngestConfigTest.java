package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.ConfigException;
import dev.sluice.common.Instances;
import dev.sluice.common.SluiceConfig;
import dev.sluice.ingest.ceiling.CeilingConfig;
import org.junit.jupiter.api.Test;

class IngestConfigTest {
    @Test
    void shouldUseTheDocumentedDefaults() {
        IngestConfig c = IngestConfig.from(SluiceConfig.of(Map.of()));
        assertThat(c.defaultTier()).isEqualTo("FREE");
        assertThat(c.tiers()).containsEntry("FREE", new TierLimits(10, 10, 200_000, 1_000_000))
                .containsEntry("STARTER", new TierLimits(10, 50, 400_000, 10_000_000))
                .containsEntry("PRO", new TierLimits(10, 999, 2_000_000, 100_000_000));
        assertThat(c.maxRequestCostMicros()).isEqualTo(5_000_000);
        assertThat(c.dedupeHorizon().toHours()).isEqualTo(24);
        assertThat(c.maxMetadataEntries()).isEqualTo(16);
        assertThat(c.maxMetadataBytes()).isEqualTo(8_192);
        assertThat(c.maxRequestBytes()).isEqualTo(262_144);
        assertThat(c.policyCacheUsers()).isEqualTo(100_000);
    }

    @Test
    void shouldReadPerTierOverridesAndExtraTiers() {
        IngestConfig c = IngestConfig.from(SluiceConfig.of(Map.of("ingest.tiers", "free, team",
                "ingest.tier.team.requests.per.day", "500", "default.tier", "team")));
        assertThat(c.tier("TEAM")).contains(new TierLimits(10, 500, 200_000, 1_000_000));
        assertThat(c.defaultTier()).isEqualTo("TEAM");
    }

    @Test
    void shouldNameTheKeyOfABadValue() {
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("ingest.tier.free.requests.per.minute", "-1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.tier.free.requests.per.minute");
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("ingest.max.request.bytes", "2000000"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.max.request.bytes").hasMessageContaining("2000000");
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("ingest.policy.cache.users", "-1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.policy.cache.users");
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("default.tier", "GOLD"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("default.tier").hasMessageContaining("GOLD");
    }

    @Test
    void shouldDefaultToTheDefaultConstantsWithThePrefixedApplicationId() {
        IngestConfig c = IngestConfig.from(SluiceConfig.of(Map.of("topic.prefix", "t1.")));
        assertThat(c.applicationId()).isEqualTo("t1." + IngestConfig.DEFAULT_APPLICATION_ID);
        assertThat(c.commitInterval().toMillis()).isEqualTo(IngestConfig.DEFAULT_COMMIT_INTERVAL_MS);
        assertThat(c.freshCommitInterval().toMillis()).isEqualTo(IngestConfig.DEFAULT_FRESH_COMMIT_INTERVAL_MS);
        assertThat(c.pacesCommits()).as("the defaults commit early while caught up, at the long interval in a backlog").isTrue();
        assertThat(c.streamThreads()).isEqualTo(IngestConfig.DEFAULT_STREAM_THREADS);
        assertThat(c.dedupeHorizon().toMillis()).isEqualTo(IngestConfig.DEFAULT_DEDUPE_HORIZON_MS);
        assertThat(c.sweepInterval().toMillis()).isEqualTo(IngestConfig.DEFAULT_SWEEP_INTERVAL_MS);
        assertThat(c.maxMessages()).isEqualTo(IngestConfig.DEFAULT_MAX_MESSAGES);
        assertThat(c.maxOutputTokens()).isEqualTo(IngestConfig.DEFAULT_MAX_OUTPUT_TOKENS);
        assertThat(c.ceiling().returnIdle().toMillis()).isEqualTo(CeilingConfig.DEFAULT_RETURN_IDLE_MS);
    }

    @Test
    void shouldCommitAtTheLongIntervalOnlyWhenTheFreshOneIsOffOrNotShorter() {
        assertThat(IngestConfig.from(SluiceConfig.of(Map.of(IngestConfig.FRESH_COMMIT_INTERVAL_MS, "0"))).pacesCommits()).isFalse();
        assertThat(IngestConfig.from(SluiceConfig.of(Map.of(IngestConfig.COMMIT_INTERVAL_MS, "20",
                IngestConfig.FRESH_COMMIT_INTERVAL_MS, "20"))).pacesCommits()).isFalse();
        assertThat(IngestConfig.from(SluiceConfig.of(Map.of(IngestConfig.COMMIT_INTERVAL_MS, "500",
                IngestConfig.FRESH_COMMIT_INTERVAL_MS, "50"))).pacesCommits()).isTrue();
    }

    @Test
    void shouldNameKeyAndValueWhenANumberIsNotANumber() {
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("ingest.commit.interval.ms", "fast"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.commit.interval.ms").hasMessageContaining("'fast'")
                .hasMessageContaining("[1,...,600000]");
        assertThatThrownBy(() -> IngestConfig.from(SluiceConfig.of(Map.of("ingest.global.lease.return.idle.ms", "-1"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ingest.global.lease.return.idle.ms").hasMessageContaining("'-1'");
    }
    @Test
    void shouldNameTheInstanceByItsHostAndStateDirectoryUnlessConfigured() {
        IngestConfig one = IngestConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/a")));
        IngestConfig again = IngestConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/b/../a/")));
        IngestConfig other = IngestConfig.from(SluiceConfig.of(Map.of(CommonKeys.STATE_DIR, "/var/lib/sluice/b")));

        assertThat(one.instanceId()).startsWith(Instances.hostName() + "-").isEqualTo(again.instanceId());
        assertThat(other.instanceId()).as("a second instance on the host has its own state directory").isNotEqualTo(one.instanceId());
        assertThat(IngestConfig.from(SluiceConfig.of(Map.of(IngestConfig.INSTANCE_ID, "ingest-0"))).instanceId()).isEqualTo("ingest-0");
    }
}
