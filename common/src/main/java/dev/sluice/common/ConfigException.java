package dev.sluice.common;

/** Configuration is missing or invalid; the message names the key, where it came from and the bad value. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String key;

    private ConfigException(String key, String message) {
        super(message);
        this.key = key;
    }

    public static ConfigException invalid(String key, String source, String value, String expected) {
        return new ConfigException(key, "invalid configuration " + key + " (" + source + "): '" + value + "' — expected " + expected);
    }

    public static ConfigException missing(String key, String hint) {
        return new ConfigException(key, "missing configuration " + key + " (environment variable " + SluiceConfig.envName(key)
                + "): " + hint);
    }

    /** The configuration key at fault, e.g. {@code kafka.bootstrap.servers}. */
    public String key() {
        return key;
    }
}
