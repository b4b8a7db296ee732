/**
 * The admission decision and its books, as a Kafka Streams topology: {@link dev.sluice.ingest.admission.AdmissionTopology}
 * wires the admission processor (dedupe, rate limit, quota, budget, reserve) and the reconcile processor (cost events
 * end reservations) around the per-user state ({@link dev.sluice.ingest.admission.UserState}) and the admitted-request
 * entries ({@link dev.sluice.ingest.admission.ReservationLedger}). The processors and that state share package-private
 * fields, so they live together.
 */
package dev.sluice.ingest.admission;
