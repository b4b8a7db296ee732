/**
 * Real infrastructure for Sluice's tests, all on loopback and free ports: an in-process KRaft broker
 * ({@link dev.sluice.testkit.KafkaBroker}), an Apicurio schema registry child process
 * ({@link dev.sluice.testkit.SchemaRegistryServer}) and a {@code redis-server} child process
 * ({@link dev.sluice.testkit.RedisServer}), injected into tests by {@link dev.sluice.testkit.SluiceInfra}; or the same
 * three in containers where a Docker engine is found or chosen ({@link dev.sluice.testkit.Backend}).
 */
package dev.sluice.testkit;
