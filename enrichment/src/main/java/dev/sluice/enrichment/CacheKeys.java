package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Redis keys of cached embeddings: {@code "emb:" + hex(SHA-256(modelId + '\0' + normalisedText))}. The model id is
 * part of the hash because vectors of different models (even the quantized and full variants of one model) are not
 * interchangeable; the NUL separator keeps ("ab", "c") and ("a", "bc") apart. Hashing keeps keys short and prompt
 * text out of Redis key space (keys show up in SCAN, MONITOR and slow logs).
 */
public final class CacheKeys {
    /** Prefix of every embedding key. */
    public static final String PREFIX = "emb:";
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] PREFIX_BYTES = PREFIX.getBytes(StandardCharsets.ISO_8859_1);
    // getInstance does a provider lookup per call; a digest per thread is reset by digest().
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(CacheKeys::sha256);

    private CacheKeys() {}

    public static String of(String modelId, String normalisedText) {
        MessageDigest sha = SHA256.get();
        sha.update(modelId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(normalisedText.getBytes(StandardCharsets.UTF_8));
        // prefix and hex digits written into one array: one String, no intermediate hex string and concatenation
        byte[] digest = sha.digest();
        byte[] key = new byte[PREFIX_BYTES.length + 2 * digest.length];
        System.arraycopy(PREFIX_BYTES, 0, key, 0, PREFIX_BYTES.length);
        int at = PREFIX_BYTES.length;
        for (byte b : digest) {
            key[at++] = (byte) HEX.toLowHexDigit(b >> 4);
            key[at++] = (byte) HEX.toLowHexDigit(b);
        }
        return new String(key, StandardCharsets.ISO_8859_1);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE has SHA-256", e);
        }
    }
}
