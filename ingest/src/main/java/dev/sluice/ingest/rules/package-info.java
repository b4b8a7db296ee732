/**
 * The stateless rules a request is judged by: the INVALID checks ({@link dev.sluice.ingest.rules.RequestValidator}),
 * the input-token bound behind every worst case ({@link dev.sluice.ingest.rules.TokenBound}) and the limits a user's
 * policy resolves to ({@link dev.sluice.ingest.rules.Policies}). Functions of the configuration and the request or
 * policy only: no stores, no Streams.
 */
package dev.sluice.ingest.rules;
