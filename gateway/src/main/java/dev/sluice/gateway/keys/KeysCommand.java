package dev.sluice.gateway.keys;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

import dev.sluice.common.CommonKeys;
import dev.sluice.common.Durations;
import dev.sluice.common.SluiceConfig;
import dev.sluice.schema.ApiKey;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code sluice keys create|list|revoke}: the gateway's API keys. A key is printed once, at creation; only its
 * SHA-256 is stored (in {@code llm.api-keys}). Tier and budget are the user's policy on {@code llm.user-policies}.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Create, list and revoke gateway API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class})
public final class KeysCommand implements Runnable {
    private final Supplier<SluiceConfig> config;
    private final Clock clock;
    @Spec CommandSpec spec;

    public KeysCommand(Supplier<SluiceConfig> config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    KeyAdmin admin() {
        SluiceConfig c = config.get();
        TopicCatalog catalog = new TopicCatalog(c.string(CommonKeys.TOPIC_PREFIX, ""),
                c.intValue(CommonKeys.TOPIC_PARTITIONS, TopicCatalog.DEFAULT_PARTITIONS, 1, 10_000),
                new SchemaRegistryClient(c.required(CommonKeys.SCHEMA_REGISTRY_URL, "the schema registry, e.g. http://localhost:8081")));
        return new KeyAdmin(CommonKeys.kafkaClientProperties(c), catalog.apiKeys(), catalog.userPolicies(), clock);
    }

    /** Runs {@code action}; a bad argument it reports becomes a usage error (exit code 2, message, no stack trace). */
    static <T> T usageError(CommandSpec spec, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** {@code 30d}, {@code 12h}, {@code 90m}, {@code 45s} (see {@link Durations#parse}); must be positive. */
    static Duration parseDuration(String text) {
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--expires: " + e.getMessage());
        }
        if (d.isZero()) {
            throw new IllegalArgumentException("--expires must be positive, got '" + text + "'");
        }
        return d;
    }

    /** Dollars to micro-dollars, exactly (money is never a double). */
    static long usdToMicros(String usd) {
        try {
            BigDecimal micros = new BigDecimal(usd.trim()).movePointRight(6);
            if (micros.signum() < 0) {
                throw new NumberFormatException();
            }
            return micros.longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("--budget-usd must be a non-negative amount with at most 6 decimals, got '" + usd + "'");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a key for a user and print it (once).")
    static final class Create implements java.util.concurrent.Callable<Integer> {
        @ParentCommand KeysCommand keys;
        @Spec CommandSpec spec;
        @Option(names = "--user", required = true, description = "The user every call with this key is accounted to.") String user;
        @Option(names = "--tier", description = "Tier published as the user's policy (e.g. FREE, STARTER, PRO).") String tier;
        @Option(names = "--budget-usd", description = "Daily budget in USD, published as the user's policy override.") String budgetUsd;
        @Option(names = "--expires", description = "Lifetime, e.g. 30d, 12h; default never.") String expires;
        @Option(names = "--label", description = "Free text to recognise the key by (e.g. the application).") String label;

        @Override
        public Integer call() {
            Optional<Long> budget = usageError(spec, () -> Optional.ofNullable(budgetUsd).map(KeysCommand::usdToMicros));
            KeyAdmin.Created created = usageError(spec, () -> keys.admin().create(user, Optional.ofNullable(tier).map(t -> t.toUpperCase(Locale.ROOT)),
                    budget, Optional.ofNullable(expires).map(KeysCommand::parseDuration), Optional.ofNullable(label)));
            PrintWriter out = spec.commandLine().getOut();
            ApiKey r = created.record();
            out.printf("key id   %s%nuser     %s%n", r.getKeyId(), r.getUserId());
            if (tier != null || budget.isPresent()) {
                out.printf("policy   tier %s%s (published to llm.user-policies)%n", tier == null ? "FREE" : tier.toUpperCase(Locale.ROOT),
                        budget.map(b -> ", daily budget " + budgetUsd + " USD").orElse(""));
            }
            out.printf("expires  %s%n", r.getExpiresAt() == null ? "never" : r.getExpiresAt());
            out.printf("api key  %s%n", created.secret());
            out.println("         shown once: store it now; Sluice keeps only its SHA-256");
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List keys (ids, users, state; never the keys).")
    static final class ListKeys implements java.util.concurrent.Callable<Integer> {
        @ParentCommand KeysCommand keys;
        @Spec CommandSpec spec;

        @Override
        public Integer call() {
            List<ApiKey> all = keys.admin().list();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-14s %-24s %-8s %-25s %s%n", "KEY ID", "USER", "STATE", "CREATED", "LABEL");
            for (ApiKey k : all) {
                String state = k.getRevokedAt() != null ? "revoked"
                        : k.getExpiresAt() != null && !keys.clock.instant().isBefore(k.getExpiresAt()) ? "expired" : "active";
                out.printf("%-14s %-24s %-8s %-25s %s%n", k.getKeyId(), k.getUserId(), state, k.getCreatedAt(),
                        k.getLabel() == null ? "" : k.getLabel());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key by its id (every gateway refuses it within a second).")
    static final class Revoke implements java.util.concurrent.Callable<Integer> {
        @ParentCommand KeysCommand keys;
        @Spec CommandSpec spec;
        @Parameters(index = "0", paramLabel = "KEY_ID", description = "The key id shown by create and list (or a unique prefix of 6+ characters).")
        String keyId;

        @Override
        public Integer call() {
            ApiKey revoked = usageError(spec, () -> keys.admin().revoke(keyId));
            spec.commandLine().getOut().printf("revoked %s (user %s) at %s%n", revoked.getKeyId(), revoked.getUserId(), revoked.getRevokedAt());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new KeysCommand(SluiceConfig::fromEnvironment, Clock.systemUTC())).execute(args));
    }
}
