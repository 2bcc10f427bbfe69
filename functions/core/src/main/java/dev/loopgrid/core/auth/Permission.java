package dev.loopgrid.core.auth;

/** What a route needs from the caller's role. The route table names one per route; {@link Role} decides. */
public enum Permission {
    /** open to anyone, no key needed (health, docs, the OpenAPI document) */
    PUBLIC,
    /** record decisions */
    RECORD,
    /** create replays */
    REPLAY,
    /** read decisions, replays, comparisons and statistics */
    READ,
    /** confirm decisions, flag them as incorrect and attach corrections */
    REVIEW,
    /** verify integrity, compliance reports, exports */
    AUDIT,
    /** create, list and revoke API keys of the own tenant */
    MANAGE_KEYS,
    /** erase data subjects, place and release legal holds, set the retention floor */
    LIFECYCLE
}
