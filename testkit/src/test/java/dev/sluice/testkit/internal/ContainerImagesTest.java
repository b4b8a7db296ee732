package dev.sluice.testkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;

class ContainerImagesTest {

    @Test
    void shouldRunTheKafkaReleaseOfTheClients() {
        assertThat(ContainerImages.kafka()).isEqualTo("apache/kafka:" + AppInfoParser.getVersion());
    }

    @Test
    void shouldRunTheRegistryReleaseTheInProcessBackendUnpacks() {
        String tag = ContainerImages.registry().substring("apicurio/apicurio-registry:".length());

        assertThat(ContainerImages.registry()).startsWith("apicurio/apicurio-registry:");
        assertThat(System.getProperty("sluice.apicurio.home")).endsWith("apicurio-" + tag);
    }

    @Test
    void shouldRunRedis7() {
        assertThat(ContainerImages.redis()).isEqualTo("redis:7");
    }
}
