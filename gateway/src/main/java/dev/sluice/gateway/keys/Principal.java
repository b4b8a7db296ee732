package dev.sluice.gateway.keys;

/** Who a request comes from, as decided by its API key: the user it is accounted to and the key's loggable id. */
public record Principal(String userId, String keyId) {}
