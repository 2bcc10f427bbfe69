package dev.loopgrid.core.lifecycle;

/**
 * A legal hold (AI Act Art. 73, GDPR Art. 17(3)(e)): while it is in place, no erasure touches what it covers.
 *
 * @param scope     {@code decision}, {@code subject} or {@code service}
 * @param target    the decision id, subject id or service name
 * @param subjectId for a decision hold, the data subject the decision names (null when none): erasing that subject
 *                  is blocked too
 * @param sequence  the hold entry's sequence in the tenant's lifecycle chain
 */
public record Hold(String holdId, String scope, String target, String subjectId, String reason, String caseRef,
                   String placedBy, String placedAt, long sequence) {
    public static final String DECISION = "decision";
    public static final String SUBJECT = "subject";
    public static final String SERVICE = "service";

    /** Whether this hold blocks erasing a subject with {@code services}. */
    public boolean blocks(String subject, java.util.Set<String> services) {
        return switch (scope) {
            case SUBJECT -> target.equals(subject);
            case DECISION -> subject.equals(subjectId);
            case SERVICE -> services.contains(target);
            default -> false;
        };
    }
}
