package dev.sluice.generation.fallback;

import static org.apache.kafka.common.config.ConfigDef.Importance.LOW;
import static org.apache.kafka.common.config.ConfigDef.Importance.MEDIUM;
import static org.apache.kafka.common.config.ConfigDef.Type.LIST;
import static org.apache.kafka.common.config.ConfigDef.Type.STRING;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.config.ConfigDefinition;
import dev.sluice.common.config.ConfigValues;
import dev.sluice.common.config.Validators;

/**
 * Fallback chains per requested model, and the extra provider endpoints their links may name. A chain is tried in
 * order only while the previous link failed in a way the provider cannot have billed (see {@link ChainCaller}).
 *
 * @param chains    requested model → the links tried after it, in order
 * @param endpoints endpoint name → its provider type and base URL
 */
public record FallbackChains(Map<String, List<Link>> chains, Map<String, Endpoint> endpoints) {
    /** Prefix of a model's chain key, {@code generation.fallback.<model>}. */
    public static final String FALLBACK = "generation.fallback";
    public static final String ENDPOINTS = "generation.endpoints";
    /** Prefix of an endpoint's keys, {@code generation.endpoint.<name>.provider} and {@code .base.url}. */
    public static final String ENDPOINT = "generation.endpoint";
    private static final ConfigDefinition DEFINITION = keys("<model>", "<name>");
    private static final String ENDPOINT_PREFIX = ENDPOINT + ".";
    private static final String FALLBACK_PREFIX = FALLBACK + ".";

    /** No chains. */
    public static final FallbackChains NONE = new FallbackChains(Map.of(), Map.of());

    /** One link of a chain: a model, on the main provider ({@code endpoint} null) or on a named endpoint. */
    public record Link(String model, String endpoint) {
        @Override
        public String toString() {
            return endpoint == null ? model : model + "@" + endpoint;
        }
    }

    /** An extra provider endpoint. */
    public record Endpoint(String name, String provider, String baseUrl) {}

    public FallbackChains {
        chains = Map.copyOf(chains);
        endpoints = Map.copyOf(endpoints);
    }

    /**
     * The keys, with {@code model} and {@code name} standing for a chain's model and an endpoint's name: the
     * documentation template, and (with real names) the definition each endpoint's keys are read through.
     */
    private static ConfigDefinition keys(String model, String name) {
        return ConfigDefinition.named("Generation: fallback chains")
                .defineComputed(FALLBACK_PREFIX + model, LIST, null, MEDIUM,
                        "A model's chain: comma-separated links tried after the model, each a model (on the main provider) or "
                                + "`model@ENDPOINT`. Example: `generation.fallback.gpt-4o=claude-sonnet-4-5@anthropic-backup,gpt-4o-mini`.",
                        "none")
                .define(ENDPOINTS, LIST, "", null, MEDIUM,
                        "Comma-separated names of extra provider endpoints that fallback links may name. Each is set up by the "
                                + "`generation.endpoint.<name>.*` keys; API keys as for the main provider (`ANTHROPIC_API_KEY` / `OPENAI_API_KEY`).")
                .defineComputed(ENDPOINT_PREFIX + name + ".provider", STRING, Validators.oneOf("anthropic", "openai", "simulated"),
                        MEDIUM, "An endpoint's provider.", "none: required for every name in `generation.endpoints`")
                .defineComputed(ENDPOINT_PREFIX + name + ".base.url", STRING, Validators.url("http", "https"), LOW,
                        "An endpoint's base URL.", "the provider's public URL");
    }

    /** The keys of chains and endpoints, with {@code <model>} and {@code <name>} for the parts the user names. */
    public static ConfigDefinition definition() {
        return DEFINITION;
    }

    /** Reads and validates the keys; errors name the key and the bad value. */
    public static FallbackChains from(SluiceConfig c) {
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (String name : DEFINITION.read(c).list(ENDPOINTS)) {
            ConfigValues v = keys("<model>", name).read(c);
            String key = ENDPOINT_PREFIX + name + ".provider";
            String provider = v.optionalString(key).orElseThrow(() -> ConfigException.missing(key,
                    "the provider of endpoint " + name + " (listed in " + ENDPOINTS + "): anthropic, openai or simulated"));
            endpoints.put(name, new Endpoint(name, provider.toLowerCase(Locale.ROOT),
                    v.optionalString(ENDPOINT_PREFIX + name + ".base.url").orElse(null)));
        }
        Map<String, List<Link>> chains = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : c.withPrefix(FALLBACK_PREFIX).entrySet()) {
            String model = e.getKey();
            String key = FALLBACK_PREFIX + model;
            List<Link> links = new ArrayList<>();
            for (String raw : e.getValue().split(",")) {
                String link = raw.trim();
                if (link.isEmpty()) {
                    continue;
                }
                int at = link.lastIndexOf('@');
                String endpoint = at < 0 ? null : link.substring(at + 1);
                if (endpoint != null && !endpoints.containsKey(endpoint)) {
                    throw ConfigException.invalid(key, c.source(key), link, "an endpoint listed in " + ENDPOINTS);
                }
                links.add(new Link(at < 0 ? link : link.substring(0, at), endpoint));
            }
            if (!links.isEmpty()) {
                chains.put(model, List.copyOf(links));
            }
        }
        return new FallbackChains(chains, endpoints);
    }

    /** The links tried for a request of {@code model}: the model itself on the main provider, then its chain. */
    public List<Link> linksOf(String model) {
        List<Link> out = new ArrayList<>();
        out.add(new Link(model, null));
        out.addAll(chains.getOrDefault(model, List.of()));
        return out;
    }
}
