package dev.loopgrid.verify;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A C2SP tlog-checkpoint: the note text
 * <pre>
 * &lt;origin&gt;\n
 * &lt;tree size, decimal, no leading zeros&gt;\n
 * &lt;base64 root hash&gt;\n
 * [&lt;extension line&gt;\n]…
 * </pre>
 * signed as a {@link Note}. Every line is non-empty; the root hash is 32 bytes of canonical standard base64.
 *
 * @see <a href="https://c2sp.org/tlog-checkpoint">c2sp.org/tlog-checkpoint</a>
 */
public record Checkpoint(String origin, long size, byte[] rootHash, List<String> extensions) {
    private static final Pattern SIZE = Pattern.compile("0|[1-9][0-9]{0,18}");

    public Checkpoint {
        if (origin.isEmpty() || origin.contains("\n")) throw new IllegalArgumentException("origin must be one non-empty line");
        if (size < 0) throw new IllegalArgumentException("negative size");
        Merkle.checkHash(rootHash);
        rootHash = rootHash.clone();
        extensions = List.copyOf(extensions);
        for (String e : extensions) {
            if (e.isEmpty() || e.contains("\n")) throw new IllegalArgumentException("an extension is one non-empty line");
        }
    }

    /** A checkpoint without extension lines. */
    public Checkpoint(String origin, long size, byte[] rootHash) {
        this(origin, size, rootHash, List.of());
    }

    @Override
    public byte[] rootHash() {
        return rootHash.clone();
    }

    /** Parses checkpoint note text (without signatures) strictly. */
    public static Checkpoint parse(String text) throws VerificationException {
        try {
            Note.checkText(text);
        } catch (VerificationException e) {
            throw new VerificationException(Reason.MALFORMED_CHECKPOINT, e.getMessage());
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length < 3) throw new VerificationException(Reason.MALFORMED_CHECKPOINT, "fewer than three lines");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isEmpty()) throw new VerificationException(Reason.MALFORMED_CHECKPOINT, "line " + (i + 1) + " is empty");
        }
        if (!SIZE.matcher(lines[1]).matches()) {
            throw new VerificationException(Reason.MALFORMED_CHECKPOINT, "tree size " + NoteVerifier.quote(lines[1])
                    + " is not a decimal without leading zeros");
        }
        long size;
        try {
            size = Long.parseLong(lines[1]);
        } catch (NumberFormatException e) {
            throw new VerificationException(Reason.MALFORMED_CHECKPOINT, "tree size too large");
        }
        byte[] root = Base64s.decode(lines[2], Reason.MALFORMED_CHECKPOINT);
        if (root.length != Merkle.HASH_SIZE) {
            throw new VerificationException(Reason.MALFORMED_CHECKPOINT, "root hash has " + root.length + " bytes");
        }
        return new Checkpoint(lines[0], size, root, Arrays.asList(lines).subList(3, lines.length));
    }

    /**
     * Parses a signed checkpoint, checks it carries a valid signature by {@code logKey} and that its origin is
     * {@code origin}. Other signatures (witnesses, rotated keys) are ignored.
     *
     * @throws VerificationException MALFORMED_NOTE, UNKNOWN_KEY, BAD_SIGNATURE, MALFORMED_CHECKPOINT or ORIGIN_MISMATCH
     */
    public static Checkpoint open(String signedNote, String origin, NoteVerifier logKey) throws VerificationException {
        return open(Note.parse(signedNote), origin, logKey);
    }

    /** {@link #open(String, String, NoteVerifier)} of the note as served (UTF-8 bytes, checked strictly). */
    public static Checkpoint open(byte[] signedNote, String origin, NoteVerifier logKey) throws VerificationException {
        return open(Note.parse(signedNote), origin, logKey);
    }

    private static Checkpoint open(Note note, String origin, NoteVerifier logKey) throws VerificationException {
        note.verify(logKey);
        Checkpoint c = parse(note.text());
        if (!c.origin.equals(origin)) {
            throw new VerificationException(Reason.ORIGIN_MISMATCH, "origin " + NoteVerifier.quote(c.origin) + ", expected "
                    + NoteVerifier.quote(origin));
        }
        return c;
    }

    /** {@link #open(String, String, NoteVerifier)} with the origin equal to the log key's name (the spec's SHOULD). */
    public static Checkpoint open(String signedNote, NoteVerifier logKey) throws VerificationException {
        return open(signedNote, logKey.name(), logKey);
    }

    /** The note text. */
    public String text() {
        StringBuilder sb = new StringBuilder(origin).append('\n').append(size).append('\n')
                .append(Base64.getEncoder().encodeToString(rootHash)).append('\n');
        for (String e : extensions) sb.append(e).append('\n');
        return sb.toString();
    }

    /** This checkpoint signed by the log (and any cosigners). */
    public Note sign(NoteSigner... signers) throws VerificationException {
        return Note.sign(text(), signers);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Checkpoint c && c.origin.equals(origin) && c.size == size
                && Arrays.equals(c.rootHash, rootHash) && c.extensions.equals(extensions);
    }

    @Override
    public int hashCode() {
        return origin.hashCode() * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return text();
    }
}
