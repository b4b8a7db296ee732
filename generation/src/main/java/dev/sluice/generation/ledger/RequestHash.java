package dev.sluice.generation.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The first 128 bits of SHA-256 over a request key: what the ledger keeps in memory per answered request
 * (16 bytes instead of the key's ~60). A false "already answered" needs two keys of one partition to collide in
 * 128 bits: about 2^-64 after 2^32 entries, far below any other risk in the pipeline.
 */
public record RequestHash(long high, long low) {
    /** The hash of a ledger key or of {@link dev.sluice.generation.store.GenerationStore#requestKey} text. */
    public static RequestHash of(byte[] requestKey) {
        try {
            ByteBuffer digest = ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(requestKey));
            return new RequestHash(digest.getLong(), digest.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    public static RequestHash of(String requestKey) {
        return of(requestKey.getBytes(StandardCharsets.UTF_8));
    }
}
