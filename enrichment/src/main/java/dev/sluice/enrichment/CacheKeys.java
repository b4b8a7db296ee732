package dev.sluice.enrichment;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
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
    private static final int SHA256_BYTES = 32;
    // getInstance does a provider lookup per call; a digest (reset by digest()) and its buffers per thread.
    private static final ThreadLocal<Hasher> HASHER = ThreadLocal.withInitial(Hasher::new);

    private CacheKeys() {}

    public static String of(String modelId, String normalisedText) {
        byte[] text = normalisedText.getBytes(StandardCharsets.UTF_8);
        return of(modelId.getBytes(StandardCharsets.UTF_8), text, text.length);
    }

    /** The key of the normalised text whose UTF-8 bytes are {@code text[0, length)}; {@code modelId} in UTF-8. */
    public static String of(byte[] modelId, byte[] text, int length) {
        return HASHER.get().key(modelId, text, length);
    }

    private static final class Hasher {
        private final MessageDigest sha = sha256();
        private final byte[] digest = new byte[SHA256_BYTES];
        private final byte[] key = new byte[PREFIX_BYTES.length + 2 * SHA256_BYTES];

        Hasher() {
            System.arraycopy(PREFIX_BYTES, 0, key, 0, PREFIX_BYTES.length);
        }

        String key(byte[] modelId, byte[] text, int length) {
            sha.update(modelId);
            sha.update((byte) 0);
            sha.update(text, 0, length);
            try {
                sha.digest(digest, 0, SHA256_BYTES);
            } catch (DigestException e) {
                throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
            }
            // prefix and hex digits written into one reused array: the key String is the only allocation
            int at = PREFIX_BYTES.length;
            for (byte b : digest) {
                key[at++] = (byte) HEX.toLowHexDigit(b >> 4);
                key[at++] = (byte) HEX.toLowHexDigit(b);
            }
            return new String(key, StandardCharsets.ISO_8859_1);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JRE has SHA-256", e);
        }
    }
}
