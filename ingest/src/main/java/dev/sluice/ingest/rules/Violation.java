package dev.sluice.ingest.rules;

/** A broken validation rule: the offending field (e.g. {@code messages[2].content}) and the rule, for INVALID. */
public record Violation(String field, String rule) {}
