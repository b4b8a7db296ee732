package dev.sluice.tools.dlq;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import dev.sluice.schema.DeadLetter;
import org.apache.kafka.common.header.Header;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice dlq inspect}: everything about the selected letters, original bytes (base64) included. */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show selected dead letters in full, with their original bytes.")
final class DlqInspectCommand extends DlqSubcommand implements Runnable {
    @Option(names = "--json", description = "JSON lines of the DeadLetter view with originalKey/originalValue in base64.")
    boolean json;

    @Override
    public void run() {
        PrintWriter out = out();
        long n = dlq.stream(filter, l -> {
            if (json) {
                out.println(DeadLetterJson.line(l, true));
                return;
            }
            DeadLetter v = l.view();
            out.printf("letter %s (%s)%n", l.coordinates(), l.record().topic());
            out.printf("  stage        %s%n  error class  %s%n  message      %s%n  attempts     %d%n  failed at    %s%n",
                    v.getStage(), v.getErrorClass(), v.getMessage(), v.getAttempts(), v.getFailedAt());
            out.printf("  user         %s%n  request      %s%n  replays      %d%n  original     %s %d@%d%n",
                    v.getUserId(), v.getRequestId(), v.getReplayCount(), v.getOriginalTopic(), v.getOriginalPartition(), v.getOriginalOffset());
            out.println("  headers");
            for (Header h : l.record().headers()) {
                out.printf("    %s = %s%n", h.key(), h.value() == null ? "null" : new String(h.value(), StandardCharsets.UTF_8));
            }
            out.printf("  key (base64)   %s%n", l.record().key() == null ? "null" : Base64.getEncoder().encodeToString(l.record().key()));
            out.printf("  value (base64) %s%n%n", l.record().value() == null ? "null" : Base64.getEncoder().encodeToString(l.record().value()));
        });
        if (!json) {
            out.printf("%d dead letter%s%n", n, n == 1 ? "" : "s");
        }
        out.flush();
    }
}
