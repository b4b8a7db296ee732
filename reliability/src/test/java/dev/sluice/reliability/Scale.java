package dev.sluice.reliability;

import java.time.Duration;

/**
 * The size knob of every scenario. {@code -Dsluice.reliability.scale=full} (the {@code chaos} Maven profile) runs the
 * sizes of the issue; the default is a short run that keeps {@code ./mvnw verify} within minutes on two cores.
 *
 * @param name            short or full
 * @param crashRequests   R1: requests sent while stages are killed
 * @param killsPerStage   R1: SIGKILLs of each of ingest, enrichment and generation
 * @param outage          R2/R3: how long Redis is down or the provider answers 503
 * @param outageRequests  R2/R3/R5: requests of the outage and secret scenarios
 * @param malformed       R4: malformed records mixed into the traffic
 * @param validWithBad    R4: valid requests sent alongside them
 * @param costUsers       C1/C2: users bursting or spending
 * @param crashRate       R1: requests per second (slow enough that every kill lands mid-run)
 * @param outageRate      R2/R3/R5: requests per second (the run outlasts the outage)
 * @param ceilingUsers    G1: users bursting one request each against the global ceiling
 */
record Scale(String name, int crashRequests, int killsPerStage, Duration outage, int outageRequests, int malformed,
             int validWithBad, int costUsers, int crashRate, int outageRate, int ceilingUsers) {
    /** System property selecting the scale: {@code short} (default) or {@code full}. */
    static final String PROPERTY = "sluice.reliability.scale";

    static Scale current() {
        return "full".equalsIgnoreCase(System.getProperty(PROPERTY, "short")) ? full() : shortRun();
    }

    static Scale shortRun() {
        return new Scale("short", 5_000, 1, Duration.ofSeconds(5), 1_000, 1_000, 1_000, 10, 300, 100, 3_000);
    }

    static Scale full() {
        return new Scale("full", 50_000, 3, Duration.ofSeconds(30), 10_000, 10_000, 10_000, 100, 500, 150, 20_000);
    }
}
