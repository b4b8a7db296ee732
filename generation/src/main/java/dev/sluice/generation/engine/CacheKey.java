package dev.sluice.generation.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import dev.sluice.generation.provider.ChatTurn;
import dev.sluice.generation.provider.CompletionRequest;

/**
 * The exact response-cache key: SHA-256 over the model, every message (role and content) and the parameters
 * (maxOutputTokens, temperature), each length-prefixed so no two different requests share an encoding.
 */
public final class CacheKey {
    private CacheKey() {}

    public static String of(CompletionRequest request) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        field(sha, "v1");
        field(sha, request.model());
        field(sha, Integer.toString(request.maxOutputTokens()));
        field(sha, request.temperature() == null ? "default" : Double.toString(request.temperature()));
        for (ChatTurn turn : request.messages()) {
            field(sha, turn.role());
            field(sha, turn.content());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void field(MessageDigest sha, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha.update(Integer.toString(bytes.length).getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) ':');
        sha.update(bytes);
    }
}
