package dev.loopgrid.core.ledger;

/** Identifies one chain: a service's entries within a tenant. */
public record ChainKey(String tenant, String chainId) {}
