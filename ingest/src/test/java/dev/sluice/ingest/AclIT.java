package dev.sluice.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.sluice.contracts.TopicNames;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.JaasUtils;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The producer rows of docs/security.md on a real broker with SASL/PLAIN and the StandardAuthorizer: a service that
 * submits work writes llm.requests and nothing else; llm.costs and llm.user-policies refuse it. The test kit's
 * SASL users stand in for the principals ({@code plain-user1} for a submitting service, {@code plain-admin} the super
 * user that grants).
 */
@Tag("integration")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AclIT {

    @Test
    void shouldLetARequestProducerWriteRequestsButNotCostsOrPolicies() throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).setBrokerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .setControllerSecurityProtocol(SecurityProtocol.SASL_PLAINTEXT).build())
                .setConfigProp("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = cluster.bootstrapServers();
            try (Admin admin = Admin.create(client(bootstrap, JaasUtils.KAFKA_PLAIN_ADMIN, JaasUtils.KAFKA_PLAIN_ADMIN_PASSWORD))) {
                admin.createTopics(List.of(new NewTopic(TopicNames.REQUESTS, 1, (short) 1), new NewTopic(TopicNames.COSTS, 1, (short) 1),
                        new NewTopic(TopicNames.USER_POLICIES, 1, (short) 1))).all().get();
                // kafka-acls --add --allow-principal User:<service> --operation Write --operation Describe --topic llm.requests
                String service = "User:" + JaasUtils.KAFKA_PLAIN_USER1;
                ResourcePattern requests = new ResourcePattern(ResourceType.TOPIC, TopicNames.REQUESTS, PatternType.LITERAL);
                admin.createAcls(List.of(
                        new AclBinding(requests, new AccessControlEntry(service, "*", AclOperation.WRITE, AclPermissionType.ALLOW)),
                        new AclBinding(requests, new AccessControlEntry(service, "*", AclOperation.DESCRIBE, AclPermissionType.ALLOW))))
                        .all().get();
            }
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producer(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                assertThat(producer.send(record(TopicNames.REQUESTS)).get().offset()).isZero();
                for (String forbidden : List.of(TopicNames.COSTS, TopicNames.USER_POLICIES)) {
                    assertThatThrownBy(() -> producer.send(record(forbidden)).get()).as(forbidden)
                            .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TopicAuthorizationException.class);
                }
            }
        }
    }

    private static ProducerRecord<byte[], byte[]> record(String topic) {
        return new ProducerRecord<>(topic, "mallory".getBytes(StandardCharsets.UTF_8), new byte[] {0});
    }

    private static Map<String, Object> producer(String bootstrap) {
        Map<String, Object> p = new java.util.HashMap<>(client(bootstrap, JaasUtils.KAFKA_PLAIN_USER1, JaasUtils.KAFKA_PLAIN_USER1_PASSWORD));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return p;
    }

    private static Map<String, Object> client(String bootstrap, String user, String password) {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SecurityProtocol.SASL_PLAINTEXT.name,
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }
}
