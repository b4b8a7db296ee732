package dev.sluice.launcher.docs;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.CommandProvider;
import dev.sluice.common.StageProvider;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.launcher.infra.Preflight;
import dev.sluice.launcher.infra.StageCatalog;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.ConfigKey;

/**
 * Generates {@code docs/configuration.md} from the configuration definitions themselves (Kafka {@link ConfigDef}s):
 * the shared keys, the launcher's, then every stage's as its {@link StageProvider#configuration()} declares them, in
 * pipeline order, then the keys of the commands modules contribute ({@link CommandProvider#configuration()}). Key,
 * type, default, valid values and meaning come from the one declaration each key has, so the reference cannot drift
 * from what the code accepts.
 */
public final class ConfigReference {
    private ConfigReference() {}

    /** Every definition, in the order the reference lists them. */
    static List<ConfigDefinition> definitions() {
        List<ConfigDefinition> all = new ArrayList<>(List.of(CommonKeys.definition(), Preflight.definition()));
        StageCatalog.discover().all().values().forEach(p -> all.addAll(p.configuration()));
        ServiceLoader.load(CommandProvider.class).forEach(p -> all.addAll(p.configuration()));
        return all;
    }

    /** The whole document. */
    public static String render() {
        StringBuilder doc = new StringBuilder();
        doc.append("# Configuration reference\n\n")
                .append("<!-- Generated from the configuration definitions (Kafka ConfigDefs) by ConfigReference (launcher tests); do not\n")
                .append("     edit by hand. Regenerate: ./mvnw -pl launcher test -Dtest=ConfigReferenceTest -Dsluice.docs.write=true -->\n\n")
                .append("Every setting can come from (later wins): the built-in default, a properties file (`--config FILE` or\n")
                .append("`SLUICE_CONFIG_FILE`), an environment variable, and `--set key=value` on the command line. The variable of\n")
                .append("a key is `SLUICE_` + the key upper-cased with dots and dashes as underscores, e.g. `redis.url` →\n")
                .append("`SLUICE_REDIS_URL`. Secrets (API keys) also come from `<VARIABLE>_FILE` (a file holding the secret) and are\n")
                .append("never logged. Kafka client settings pass through with the `kafka.` prefix (e.g. `kafka.security.protocol`,\n")
                .append("`kafka.sasl.jaas.config`, `kafka.ssl.truststore.location`) to every producer, consumer, admin and Streams\n")
                .append("client; Redis AUTH and TLS go in the URL (`rediss://user:password@host:port`).\n\n")
                .append("Two rules hold in every stage. Group, application and transactional ids default to\n")
                .append("`<topic.prefix>sluice-<stage>…`; a value that is set is used as it is. An unset `redis.url` means no Redis:\n")
                .append("each stage that uses Redis runs on its bounded in-process store and warns at start (`sluice demo` sets it\n")
                .append("to the Redis it starts). A bad value stops the stage with an error naming the key, where the value came from,\n")
                .append("the value (never a secret's) and what is accepted, in the words of the \"accepts\" column.\n");
        for (ConfigDefinition definition : definitions()) {
            doc.append("\n## ").append(definition.title()).append("\n\n")
                    .append("| key | environment | default | accepts | meaning |\n|---|---|---|---|---|\n");
            for (ConfigKey k : definition.keys()) {
                doc.append("| `").append(k.name).append("` | `").append(SluiceConfig.envName(k.name)).append("` | ")
                        .append(cell(defaultOf(k))).append(" | ").append(cell(ConfigValues.expected(k))).append(" | ")
                        .append(cell(k.documentation)).append(" |\n");
            }
        }
        return doc.toString();
    }

    private static String defaultOf(ConfigKey k) {
        if (k.alternativeString != null) {
            return k.alternativeString;
        }
        if (k.defaultValue == null) {
            return "none";
        }
        String value = ConfigDef.convertToString(k.defaultValue, k.type);
        return value.isEmpty() ? "empty" : "`" + value + "`";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }
}
