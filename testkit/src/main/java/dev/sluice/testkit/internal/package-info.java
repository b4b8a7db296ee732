/**
 * The test kit's backends behind {@link dev.sluice.testkit.KafkaBroker}, {@link dev.sluice.testkit.SchemaRegistryServer}
 * and {@link dev.sluice.testkit.RedisServer}: the Docker probe and the Testcontainers implementations. Not for tests
 * to use directly; {@link dev.sluice.testkit.Backend} chooses.
 */
package dev.sluice.testkit.internal;
