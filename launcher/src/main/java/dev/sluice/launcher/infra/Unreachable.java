package dev.sluice.launcher.infra;

import dev.sluice.common.SluiceConfig;
import dev.sluice.launcher.LauncherException;

/** Builds the message of a dependency that did not answer: what, where, which key configures it, and why. */
public final class Unreachable {
    private Unreachable() {}

    /** E.g. "Kafka unreachable at localhost:9092 (kafka.bootstrap.servers, env SLUICE_KAFKA_BOOTSTRAP_SERVERS): …". */
    public static LauncherException of(String what, String key, String where, String why) {
        return new LauncherException(what + " is unreachable at " + where + " (" + key + ", environment variable "
                + SluiceConfig.envName(key) + "): " + why, LauncherException.EXIT_UNREACHABLE, null);
    }
}
