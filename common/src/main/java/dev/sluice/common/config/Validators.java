package dev.sluice.common.config;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.kafka.common.config.ConfigDef.Validator;

/**
 * Validators Kafka's ConfigDef lacks. Each {@code toString} is the "expected ..." part of an error message and the
 * "valid values" column of the reference, so it is written for a reader.
 */
public final class Validators {
    private Validators() {}

    /** One of {@code values}, ignoring case. */
    public static Validator oneOf(String... values) {
        List<String> allowed = Arrays.asList(values);
        return described(v -> allowed.stream().anyMatch(a -> a.equalsIgnoreCase(v.toString().strip())),
                "one of " + String.join(", ", allowed) + " (any case)");
    }

    /** A URL with one of {@code schemes} (e.g. {@code redis}, {@code rediss}). */
    public static Validator url(String... schemes) {
        List<String> allowed = Arrays.asList(schemes);
        return described(v -> {
            try {
                String scheme = URI.create(v.toString().strip()).getScheme();
                return scheme != null && allowed.contains(scheme.toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }, "a URL (" + String.join(":// or ", allowed) + "://)");
    }

    /** A list whose every non-blank element is a URL with one of {@code schemes}. */
    public static Validator urls(String... schemes) {
        Validator one = url(schemes);
        return described(v -> ((List<?>) v).stream().map(Object::toString).filter(e -> !e.isBlank()).allMatch(e -> {
            try {
                one.ensureValid("", e);
                return true;
            } catch (org.apache.kafka.common.config.ConfigException bad) {
                return false;
            }
        }), "comma-separated URLs (" + String.join(":// or ", schemes) + "://)");
    }

    /** {@code validator}, but null passes: a key without a default is unset, not invalid. */
    static Validator nullOr(Validator validator) {
        if (validator == null) {
            return null;
        }
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (value != null) {
                    validator.ensureValid(name, value);
                }
            }

            @Override
            public String toString() {
                return validator.toString();
            }
        };
    }

    private static Validator described(java.util.function.Predicate<Object> test, String description) {
        return new Validator() {
            @Override
            public void ensureValid(String name, Object value) {
                if (!test.test(value)) {
                    throw new org.apache.kafka.common.config.ConfigException(name, value, description);
                }
            }

            @Override
            public String toString() {
                return description;
            }
        };
    }
}
