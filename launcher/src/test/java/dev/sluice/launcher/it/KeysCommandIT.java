package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code sluice keys create|list|revoke} against the test kit: the key is printed once and never listed. */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class KeysCommandIT {
    @Test
    void shouldCreateListAndRevokeAKeyWithoutEverListingTheKey(KafkaBroker kafka, SchemaRegistryServer registry) {
        String prefix = SluiceInfra.uniquePrefix("keys");
        Map<String, String> env = Map.of("SLUICE_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "SLUICE_SCHEMA_REGISTRY_URL", registry.url(), "SLUICE_TOPIC_PREFIX", prefix, "SLUICE_TOPIC_PARTITIONS", "3");
        assertThat(Launch.inProcess(env, "topics", "create").exitCode()).isZero();

        Launch created = Launch.inProcess(env, "keys", "create", "--user", "alice", "--tier", "pro", "--budget-usd", "5", "--expires", "30d");
        assertThat(created.exitCode()).as(created.err()).isZero();
        Matcher key = Pattern.compile("api key  (sk-sluice-\\S+)").matcher(created.out());
        Matcher id = Pattern.compile("key id   (\\w+)").matcher(created.out());
        assertThat(key.find()).as(created.out()).isTrue();
        assertThat(id.find()).isTrue();
        assertThat(created.out()).contains("tier PRO, daily budget 5 USD");

        Launch listed = Launch.inProcess(env, "keys", "list");
        assertThat(listed.out()).contains(id.group(1)).contains("alice").contains("active").doesNotContain(key.group(1));

        Launch revoked = Launch.inProcess(env, "keys", "revoke", id.group(1));
        assertThat(revoked.exitCode()).as(revoked.err()).isZero();
        assertThat(Launch.inProcess(env, "keys", "list").out()).contains("revoked");

        Launch bad = Launch.inProcess(env, "keys", "create", "--user", "not a user!");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--user must match");
    }
}
