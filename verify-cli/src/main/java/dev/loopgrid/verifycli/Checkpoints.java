package dev.loopgrid.verifycli;

import dev.loopgrid.verify.Checkpoint;
import dev.loopgrid.verify.Note;
import dev.loopgrid.verify.NoteVerifier;
import dev.loopgrid.verify.VerificationException;

/** Opening a served checkpoint: signed by the key, of the expected origin. */
final class Checkpoints {
    private Checkpoints() {}

    /** A checkpoint and the note it came in. */
    record Opened(Note note, Checkpoint checkpoint) {}

    /**
     * Verifies the note's signature by {@code key} and its origin: {@code origin} when given, else any
     * {@code <key name>/<tenant>} (a tenant's log of this key).
     *
     * @throws CliException INVALID when the note is malformed, unsigned by the key or of another origin
     */
    static Opened open(byte[] bytes, NoteVerifier key, String origin, String what) throws CliException {
        Note note;
        Checkpoint cp;
        try {
            note = Note.parse(bytes);
            cp = Checkpoint.parse(note.text());
        } catch (VerificationException e) {
            throw CliException.invalid("INVALID " + what + ": not a C2SP signed checkpoint: " + e.getMessage());
        }
        try {
            note.verify(key);
        } catch (VerificationException e) {
            throw CliException.invalid("INVALID " + what + ": " + (e.reason() == VerificationException.Reason.UNKNOWN_KEY
                    ? "no signature by key " + key.name() + "+" + key.keyIdHex()
                    : "bad signature by key " + key.name() + "+" + key.keyIdHex()) + " (" + e.getMessage() + ")");
        }
        if (origin != null ? !cp.origin().equals(origin)
                : !cp.origin().startsWith(key.name() + "/") || cp.origin().length() == key.name().length() + 1) {
            throw CliException.invalid("INVALID " + what + ": origin \"" + cp.origin() + "\", expected "
                    + (origin != null ? "\"" + origin + "\"" : "\"" + key.name() + "/<tenant>\""));
        }
        return new Opened(note, cp);
    }
}
