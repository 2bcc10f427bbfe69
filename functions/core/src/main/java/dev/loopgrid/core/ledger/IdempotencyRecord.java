package dev.loopgrid.core.ledger;

/** What an idempotency key was first used for. */
public record IdempotencyRecord(String key, String decisionId, String contentHash, long expiresAtEpochSecond) {}
