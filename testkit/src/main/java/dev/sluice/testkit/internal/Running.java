package dev.sluice.testkit.internal;

/**
 * A started container and the address clients use for it (a bootstrap server list, or a base URL).
 *
 * @param address   what clients connect to, e.g. {@code localhost:32771}
 * @param container closing it removes the container
 */
public record Running(String address, AutoCloseable container) {}
