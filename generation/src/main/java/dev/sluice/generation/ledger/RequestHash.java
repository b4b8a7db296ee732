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
    /**
     * One digest per thread, reused: {@link MessageDigest#getInstance} looks the algorithm up among the providers and
     * builds a new digest at every call, which cost as much as hashing a key does (a ledger load hashes millions).
     */
    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    });

    /** The hash of a ledger key or of {@link dev.sluice.generation.store.GenerationStore#requestKey} text. */
    public static RequestHash of(byte[] requestKey) {
        ByteBuffer digest = ByteBuffer.wrap(SHA_256.get().digest(requestKey)); // digest() resets it for the next key
        return new RequestHash(digest.getLong(), digest.getLong());
    }

    public static RequestHash of(String requestKey) {
        return of(requestKey.getBytes(StandardCharsets.UTF_8));
    }
}
