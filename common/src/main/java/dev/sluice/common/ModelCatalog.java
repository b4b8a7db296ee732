package dev.sluice.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The model allowlist and price table. A model is allowed exactly when it has a price. Loaded from the
 * file named by {@code models.file} ({@code SLUICE_MODELS_FILE}), else the shipped defaults
 * ({@code dev/sluice/common/models.properties}: public list prices). Format, one model per line:
 * <pre>model-id = inputUsdPerMillionTokens, outputUsdPerMillionTokens</pre>
 */
public final class ModelCatalog {
    /** Config key of the models file. */
    public static final String FILE_KEY = "models.file";
    private static final String DEFAULTS = "models.properties";

    private final Map<String, ModelPrice> prices;

    public ModelCatalog(Map<String, ModelPrice> prices) {
        if (prices.isEmpty()) {
            throw new IllegalArgumentException("the model catalog must contain at least one model");
        }
        this.prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
    }

    /** The configured catalog: {@code models.file} if set, else the shipped defaults. */
    public static ModelCatalog from(SluiceConfig config) {
        Optional<String> file = config.find(FILE_KEY);
        if (file.isEmpty()) {
            return defaults();
        }
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(Path.of(file.get()))) {
            props.load(reader);
        } catch (IOException e) {
            throw ConfigException.invalid(FILE_KEY, config.source(FILE_KEY), file.get(), "a readable models file (" + e.getMessage() + ")");
        }
        return parse(props, FILE_KEY + "=" + file.get());
    }

    /** The shipped defaults. */
    public static ModelCatalog defaults() {
        Properties props = new Properties();
        try (InputStream in = ModelCatalog.class.getResourceAsStream(DEFAULTS)) {
            props.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("shipped model catalog " + DEFAULTS + " is missing", e);
        }
        return parse(props, "shipped " + DEFAULTS);
    }

    static ModelCatalog parse(Properties props, String source) {
        Map<String, ModelPrice> prices = new LinkedHashMap<>();
        for (String model : new java.util.TreeSet<>(props.stringPropertyNames())) {
            String[] parts = props.getProperty(model).split(",");
            if (parts.length != 2) {
                throw ConfigException.invalid(FILE_KEY, source, model + "=" + props.getProperty(model),
                        "'inputUsdPerMillionTokens, outputUsdPerMillionTokens'");
            }
            try {
                prices.put(model, new ModelPrice(model, ModelPrice.usdPerMillionToMicros(parts[0]), ModelPrice.usdPerMillionToMicros(parts[1])));
            } catch (ArithmeticException | IllegalArgumentException e) {
                throw ConfigException.invalid(FILE_KEY, source, model + "=" + props.getProperty(model),
                        "non-negative USD prices with at most 6 decimals");
            }
        }
        return new ModelCatalog(prices);
    }

    public boolean allows(String model) {
        return prices.containsKey(model);
    }

    public Optional<ModelPrice> price(String model) {
        return Optional.ofNullable(prices.get(model));
    }

    public Set<String> models() {
        return prices.keySet();
    }
}
