package dev.sluice.gateway.http;

import dev.sluice.gateway.keys.KeyCheck;
import dev.sluice.gateway.keys.KeyDirectory;
import dev.sluice.gateway.keys.Principal;

/** The key decides the user: a call without a valid key gets OpenAI's 401 and never reaches the pipeline. */
public final class Authenticator {
    private final KeyDirectory keys;

    public Authenticator(KeyDirectory keys) {
        this.keys = keys;
    }

    public Principal require(HttpCall call) {
        KeyCheck.Result result = keys.authenticate(call.bearer().orElse(null));
        return result.principal().orElseThrow(() -> ApiError.unauthorized(switch (result.refusal()) {
            case MISSING -> "no API key; send 'Authorization: Bearer <key>' (create one with `sluice keys create --user <id>`)";
            case REVOKED -> "this API key has been revoked";
            case EXPIRED -> "this API key has expired";
            default -> "incorrect API key provided";
        }));
    }
}
