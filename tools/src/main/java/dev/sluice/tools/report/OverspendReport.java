package dev.sluice.tools.report;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.schema.CostEvent;
import dev.sluice.schema.CostKind;
import dev.sluice.contracts.Topic;
import dev.sluice.tools.dlq.DlqReader;

/**
 * The overspend lines of {@code sluice report}: admission writes an OVERSPENT flag to llm.costs for every charge above
 * the money it held for the request (a price table or a provider that disagrees with the reservation, or a cost with
 * no reservation). Summed per UTC day (of the flag's broker time) and user; "none" is the healthy answer.
 */
public final class OverspendReport {
    private final Map<String, long[]> rows = new TreeMap<>(); // "day user" -> {flags, charged, held}

    /** Reads every OVERSPENT flag on {@code costs} stamped at or after {@code from}. */
    public static OverspendReport read(DlqReader reader, Topic<String, CostEvent> costs, Instant from) {
        OverspendReport report = new OverspendReport();
        reader.scan(costs.name(), true, record -> {
            if (record.timestamp() < from.toEpochMilli()) {
                return;
            }
            CostEvent e = costs.valueSerde().deserializer().deserialize(costs.name(), record.value());
            if (e != null && e.getKind() == CostKind.OVERSPENT) {
                report.add(Instant.ofEpochMilli(record.timestamp()), e);
            }
        });
        return report;
    }

    void add(Instant at, CostEvent flag) {
        String key = LocalDate.ofInstant(at, ZoneOffset.UTC) + " " + flag.getUserId();
        long[] row = rows.computeIfAbsent(key, k -> new long[3]);
        row[0]++;
        row[1] += flag.getCostMicros();
        row[2] += flag.getReservedMicros();
    }

    public void print(PrintWriter out) {
        String format = "%-12s %-24s %7s %14s %14s %14s%n";
        out.println("Overspend: charges above what admission reserved (should be none)");
        out.printf(format, "DAY", "USER", "CHARGES", "CHARGED", "RESERVED", "OVER");
        if (rows.isEmpty()) {
            out.println("  (none)");
        }
        rows.forEach((key, r) -> {
            String[] dayUser = key.split(" ", 2);
            out.printf(format, dayUser[0], dayUser[1], r[0], Report.usd(r[1]), Report.usd(r[2]), Report.usd(r[1] - r[2]));
        });
        out.println();
        out.flush();
    }
}
