package dev.sluice.launcher.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.common.SluiceConfig;

/**
 * Generates {@code docs/configuration.md} from the configuration classes themselves: every
 * {@code public static final String NAME = "dotted.key"} constant with the Javadoc above it. Keys live next to
 * the code that reads them, so this is the one place that can list them all without going stale.
 */
public final class ConfigReference {
    /** Title and source of every section, relative to the repository root, in pipeline order. */
    static final Map<String, String> SOURCES = sources();
    private static final Pattern CONSTANT = Pattern.compile(
            "(/\\*\\*((?:(?!\\*/).)*?)\\*/\\s*)?public static final String (\\w+) = \"([^\"]*)\";", Pattern.DOTALL);
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z0-9]+)*");
    private static final Pattern LITERAL = Pattern.compile("static final \\w+ (\\w+) = ([^;]+);");

    private ConfigReference() {}

    private static Map<String, String> sources() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("Shared (every stage)", "common/src/main/java/dev/sluice/common/CommonKeys.java");
        s.put("Launcher", "launcher/src/main/java/dev/sluice/launcher/infra/Preflight.java");
        s.put("Admission (`sluice run ingest`)", "ingest/src/main/java/dev/sluice/ingest/IngestConfig.java");
        s.put("Admission: global spend ceiling", "ingest/src/main/java/dev/sluice/ingest/ceiling/CeilingConfig.java");
        s.put("Enrichment (`sluice run enrichment`)", "enrichment/src/main/java/dev/sluice/enrichment/EnrichmentConfig.java");
        s.put("Generation (`sluice run generation`)", "generation/src/main/java/dev/sluice/generation/GenerationConfig.java");
        s.put("Generation: fallback chains", "generation/src/main/java/dev/sluice/generation/fallback/FallbackChains.java");
        s.put("Generation provider key", "generation/src/main/java/dev/sluice/generation/provider/Providers.java");
        s.put("Analytics and replay (`sluice run analytics`, `sluice dlq`)", "analytics/src/main/java/dev/sluice/analytics/AnalyticsConfig.java");
        s.put("Dashboard (served by `sluice run analytics` and `sluice demo`)", "analytics/src/main/java/dev/sluice/analytics/dashboard/DashboardConfig.java");
        s.put("Gateway (`sluice run gateway`)", "gateway/src/main/java/dev/sluice/gateway/GatewayConfig.java");
        return s;
    }

    /** One documented key. */
    record Entry(String key, String description) {}

    /** The keys of one source file, in declaration order. */
    static List<Entry> entries(String source) {
        Map<String, String> literals = new LinkedHashMap<>();
        Matcher l = LITERAL.matcher(source);
        while (l.find()) {
            literals.put(l.group(1), l.group(2).trim().replace("\"", "").replace("_", ""));
        }
        List<Entry> out = new ArrayList<>();
        Matcher m = CONSTANT.matcher(source);
        while (m.find()) {
            String name = m.group(3);
            String key = m.group(4);
            if (!KEY.matcher(key).matches()) {
                continue;
            }
            String description = describe(m.group(2) == null ? "" : m.group(2), literals);
            out.add(new Entry(description.startsWith("Per-tier key suffix") ? "ingest.tier.<tier>." + key : key, description));
        }
        return out;
    }

    private static String describe(String javadoc, Map<String, String> literals) {
        String text = javadoc.replaceAll("(?m)^\\s*\\*\\s?", " ").replaceAll("\\s+", " ").trim();
        Matcher value = Pattern.compile("\\{@value #(\\w+)}").matcher(text);
        StringBuilder resolved = new StringBuilder();
        while (value.find()) {
            value.appendReplacement(resolved, Matcher.quoteReplacement("`" + literals.getOrDefault(value.group(1), value.group(1)) + "`"));
        }
        value.appendTail(resolved);
        return resolved.toString()
                .replaceAll("\\{@code ([^}]*)}", "`$1`")
                .replaceAll("\\{@link (?:\\w+)?#?(\\w+)}", "`$1`")
                .replaceAll("<[^>]+>", "")
                .replace("|", "\\|");
    }

    /** The whole document for the repository at {@code root}. */
    public static String render(Path root) throws IOException {
        StringBuilder doc = new StringBuilder();
        doc.append("# Configuration reference\n\n")
                .append("<!-- Generated from the configuration classes by ConfigReference (launcher tests); do not edit by hand.\n")
                .append("     Regenerate: ./mvnw -pl launcher test -Dtest=ConfigReferenceTest -Dsluice.docs.write=true -->\n\n")
                .append("Every setting can come from (later wins): the built-in default, a properties file (`--config FILE` or\n")
                .append("`SLUICE_CONFIG_FILE`), an environment variable, and `--set key=value` on the command line. The variable of\n")
                .append("a key is `SLUICE_` + the key upper-cased with dots and dashes as underscores, e.g. `redis.url` →\n")
                .append("`SLUICE_REDIS_URL`. Secrets (API keys) also come from `<VARIABLE>_FILE` (a file holding the secret) and are\n")
                .append("never logged. Kafka client settings pass through with the `kafka.` prefix (e.g. `kafka.security.protocol`,\n")
                .append("`kafka.sasl.jaas.config`, `kafka.ssl.truststore.location`) to every producer, consumer, admin and Streams\n")
                .append("client; Redis AUTH and TLS go in the URL (`rediss://user:password@host:port`).\n");
        for (Map.Entry<String, String> section : SOURCES.entrySet()) {
            List<Entry> entries = entries(Files.readString(root.resolve(section.getValue())));
            doc.append("\n## ").append(section.getKey()).append("\n\n")
                    .append("Source: [`").append(Path.of(section.getValue()).getFileName()).append("`](../").append(section.getValue()).append(")\n\n")
                    .append("| key | environment | meaning and default |\n|---|---|---|\n");
            for (Entry e : entries) {
                doc.append("| `").append(e.key()).append("` | `").append(SluiceConfig.envName(e.key())).append("` | ")
                        .append(e.description()).append(" |\n");
            }
        }
        return doc.toString();
    }
}
