package dev.sluice.tools.dlq;

import java.io.PrintWriter;

import dev.sluice.schema.DeadLetter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice dlq list}: one line per dead letter (stage, error class, user, time, attempts), or JSON lines. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List dead letters, oldest first per partition.")
final class DlqListCommand extends DlqSubcommand implements Runnable {
    @Option(names = "--json", description = "JSON lines of the DeadLetter view (no original bytes) instead of a table.")
    boolean json;

    @Override
    public void run() {
        PrintWriter out = out();
        if (json) {
            dlq.stream(filter, l -> out.println(DeadLetterJson.line(l, false)));
        } else {
            String format = "%-10s %-24s %-11s %-24s %-16s %8s %7s %-36s %s%n";
            out.printf(format, "LETTER", "FAILED AT (UTC)", "STAGE", "ERROR CLASS", "USER", "ATTEMPTS", "REPLAYS", "REQUEST", "ORIGINAL");
            long n = dlq.stream(filter, l -> {
                DeadLetter v = l.view();
                out.printf(format, l.coordinates(), v.getFailedAt(), v.getStage(), v.getErrorClass(), v.getUserId() == null ? "-" : v.getUserId(),
                        v.getAttempts(), v.getReplayCount(), v.getRequestId() == null ? "-" : v.getRequestId(),
                        v.getOriginalTopic() + " " + v.getOriginalPartition() + "@" + v.getOriginalOffset());
            });
            out.printf("%d dead letter%s%n", n, n == 1 ? "" : "s");
        }
        out.flush();
    }
}
