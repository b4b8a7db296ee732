package dev.sluice.gateway.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The shape of a gateway API key: {@code sk-sluice-} + 32 random bytes (256 bits, base64url). Only its SHA-256
 * is ever stored; a plain hash (no salt, no slow KDF) is enough because the key is high-entropy random, not a
 * password, and a fast hash lets every request be checked with one map lookup.
 */
public final class ApiKeys {
    /** Every key starts with this, so secret scanners and humans recognise it. */
    public static final String PREFIX = "sk-sluice-";
    /** Characters of the hash shown as the key id: 48 bits, enough to tell keys apart, useless to guess a key. */
    public static final int KEY_ID_LENGTH = 12;
    private static final int RANDOM_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {}

    /** A new random key. Shown to its owner once, then only its hash exists. */
    public static String generate() {
        byte[] bytes = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Lowercase hex SHA-256 of the key as sent. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /** The short, loggable id of a key hash. */
    public static String keyId(String keyHash) {
        return keyHash.substring(0, KEY_ID_LENGTH);
    }
}
