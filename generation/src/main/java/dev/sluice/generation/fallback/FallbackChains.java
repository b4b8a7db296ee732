package dev.sluice.generation.fallback;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.sluice.common.ConfigException;
import dev.sluice.common.SluiceConfig;

/**
 * Fallback chains per requested model, and the extra provider endpoints their links may name. A chain is tried in
 * order only while the previous link failed in a way the provider cannot have billed (see {@link ChainCaller}).
 *
 * @param chains    requested model → the links tried after it, in order
 * @param endpoints endpoint name → its provider type and base URL
 */
public record FallbackChains(Map<String, List<Link>> chains, Map<String, Endpoint> endpoints) {
    /**
     * A model's chain, as {@code generation.fallback.MODEL} = comma-separated links tried after MODEL, each a model
     * (on the main provider) or {@code model@ENDPOINT}; default none. Example:
     * {@code generation.fallback.gpt-4o=claude-sonnet-4-5@anthropic-backup,gpt-4o-mini}.
     */
    public static final String FALLBACK = "generation.fallback";
    /**
     * Comma-separated names of extra provider endpoints that fallback links may name; default none. Each is set up by the
     * {@link #ENDPOINT} keys; API keys as for the main provider ({@code ANTHROPIC_API_KEY} / {@code OPENAI_API_KEY}).
     */
    public static final String ENDPOINTS = "generation.endpoints";
    /**
     * An endpoint's settings, as {@code generation.endpoint.NAME.provider} ({@code anthropic}, {@code openai} or
     * {@code simulated}; required for every NAME in {@link #ENDPOINTS}) and {@code generation.endpoint.NAME.base.url}
     * (default the provider's public URL).
     */
    public static final String ENDPOINT = "generation.endpoint";
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

    /** Reads and validates the keys; errors name the key and the bad value. */
    public static FallbackChains from(SluiceConfig c) {
        Map<String, Endpoint> endpoints = new LinkedHashMap<>();
        for (String raw : c.string(ENDPOINTS, "").split(",")) {
            String name = raw.trim();
            if (name.isEmpty()) {
                continue;
            }
            String key = ENDPOINT_PREFIX + name + ".provider";
            String provider = c.string(key, "").toLowerCase(Locale.ROOT);
            if (!Set.of("anthropic", "openai", "simulated").contains(provider)) {
                throw ConfigException.invalid(key, c.source(key), provider, "anthropic, openai or simulated");
            }
            endpoints.put(name, new Endpoint(name, provider, c.find(ENDPOINT_PREFIX + name + ".base.url").orElse(null)));
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
