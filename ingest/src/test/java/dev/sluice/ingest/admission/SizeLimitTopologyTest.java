package dev.sluice.ingest.admission;

import static dev.sluice.ingest.admission.AdmissionDriver.T0;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import dev.sluice.schema.AdmittedRequest;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;
import dev.sluice.schema.RejectReason;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.schema.Role;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SizeLimitTopologyTest {
    private final AdmissionDriver admission = new AdmissionDriver(Map.of("ingest.max.messages", "10000",
            "ingest.max.total.chars", "1000000", "ingest.max.request.bytes", "65536"));

    @AfterEach
    void close() {
        admission.close();
    }

    private RejectedRequest invalid(LlmRequest request) {
        Object decision = admission.send(request, T0);
        assertThat(decision).isInstanceOfSatisfying(RejectedRequest.class, r -> assertThat(r.getReason()).isEqualTo(RejectReason.INVALID));
        return (RejectedRequest) decision;
    }

    private static Map<String, String> metadata(int entries, int valueChars) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < entries; i++) {
            m.put("k" + i, "v".repeat(valueChars));
        }
        return m;
    }

    @Test
    void shouldRejectMoreMetadataEntriesThanTheLimit() {
        RejectedRequest r = invalid(AdmissionDriver.request("pat").setMetadata(metadata(17, 1)).build());
        assertThat(r.getField()).isEqualTo("metadata");
        assertThat(r.getRule()).isEqualTo("at most 16 entries");
    }

    @Test
    void shouldRejectMetadataOverTheByteLimitCountingKeysAndValuesInUtf8() {
        // 2 + 8,190 = 8,192 bytes fit; 2 + 3 x 2,731 = 8,195 bytes ("€" is 3 bytes in UTF-8) do not.
        assertThat(admission.send(AdmissionDriver.request("pat").setMetadata(Map.of("k0", "v".repeat(8_190))).build(), T0))
                .isInstanceOf(AdmittedRequest.class);
        RejectedRequest r = invalid(AdmissionDriver.request("pat").setMetadata(Map.of("k0", "€".repeat(2_731))).build());
        assertThat(r.getField()).isEqualTo("metadata");
        assertThat(r.getRule()).isEqualTo("at most 8192 bytes of UTF-8 keys and values");
    }

    @Test
    void shouldRejectARequestLargerThanTheEncodedByteLimitAndNameIt() {
        // Within every per-field limit raised above, but 70,000 bytes encoded.
        LlmRequest big = AdmissionDriver.request("pat").setMessages(Collections.nCopies(7, new ChatMessage(Role.USER, "x".repeat(10_000))))
                .setMaxOutputTokens(10).build();
        RejectedRequest r = invalid(big);
        assertThat(r.getField()).isEqualTo("request");
        assertThat(r.getRule()).isEqualTo("at most 65536 bytes encoded");
    }

    @Test
    void shouldRejectTenThousandMessagesUnderTheDefaultLimit() {
        try (AdmissionDriver defaults = new AdmissionDriver()) {
            LlmRequest many = AdmissionDriver.request("pat").setMessages(Collections.nCopies(10_000, new ChatMessage(Role.USER, "hi"))).build();
            Object decision = defaults.send(many, T0);
            assertThat(decision).isInstanceOfSatisfying(RejectedRequest.class, r -> {
                assertThat(r.getField()).isEqualTo("messages");
                assertThat(r.getRule()).isEqualTo("between 1 and 64 messages");
            });
            assertThat(defaults.send("pat", T0.plusSeconds(1))).as("the next request is decided as usual").isInstanceOf(AdmittedRequest.class);
        }
    }
}
