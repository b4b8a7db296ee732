package dev.sluice.gateway.keys;

import java.time.Instant;
import java.util.Optional;

import dev.sluice.schema.ApiKey;

/** Decides whether a stored key record lets a request in now. Pure, so expiry is tested without waiting. */
public final class KeyCheck {
    /** Why a key was refused; the HTTP message says which, never the key. */
    public enum Refusal { MISSING, UNKNOWN, REVOKED, EXPIRED }

    /** A principal, or the refusal. */
    public record Result(Optional<Principal> principal, Refusal refusal) {
        static Result ok(ApiKey key) {
            return new Result(Optional.of(new Principal(key.getUserId(), key.getKeyId())), null);
        }

        static Result refused(Refusal why) {
            return new Result(Optional.empty(), why);
        }
    }

    private KeyCheck() {}

    public static Result check(ApiKey stored, Instant now) {
        if (stored == null) {
            return Result.refused(Refusal.UNKNOWN);
        }
        if (stored.getRevokedAt() != null) {
            return Result.refused(Refusal.REVOKED);
        }
        if (stored.getExpiresAt() != null && !now.isBefore(stored.getExpiresAt())) {
            return Result.refused(Refusal.EXPIRED);
        }
        return Result.ok(stored);
    }
}
