package dev.sluice.tools.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.UUID;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import org.junit.jupiter.api.Test;

class OverspendReportTest {

    private static String print(OverspendReport report) {
        StringWriter out = new StringWriter();
        report.print(new PrintWriter(out));
        return out.toString();
    }

    @Test
    void shouldSayNoneWhenNothingWasOverspent() {
        assertThat(print(new OverspendReport())).contains("Overspend").contains("(none)");
    }

    @Test
    void shouldSumTheOverspendPerUtcDayAndUser() {
        OverspendReport report = new OverspendReport();
        Instant at = Instant.parse("2026-03-02T23:59:00Z");
        report.add(at, flag("lena", 13_000, 10_000));
        report.add(at, flag("lena", 2_500, 0));
        report.add(at.plusSeconds(120), flag("lena", 1_000, 900));
        String text = print(report);
        assertThat(text).containsPattern("2026-03-02 +lena +2 +\\$0\\.015500 +\\$0\\.010000 +\\$0\\.005500")
                .containsPattern("2026-03-03 +lena +1 +\\$0\\.001000 +\\$0\\.000900 +\\$0\\.000100")
                .doesNotContain("(none)");
    }

    private static CostEvent flag(String user, long cost, long reserved) {
        return CostEvent.newBuilder().setRequestId(UUID.randomUUID().toString()).setUserId(user).setModel("gpt-4o-mini")
                .setProvider("simulated").setInputTokens(10).setOutputTokens(10).setCostMicros(cost).setOccurredAt(Instant.EPOCH)
                .setKind(CostKind.OVERSPENT).setReservedMicros(reserved).build();
    }
}
