package dev.loopgrid.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.loopgrid.verify.VerificationException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Note behaviour the fixture files do not show: building notes, ambiguity, round trips. */
class NoteTest {
    final NoteSigner log;
    final NoteSigner witness;

    NoteTest() throws VerificationException {
        log = NoteSigner.ed25519("example.com/log", NoteFixtures.seed("note test log"));
        witness = NoteSigner.cosigner("example.com/witness", Ed25519.keyPair(NoteFixtures.seed("note test witness")), () -> 42L);
    }

    @Test
    void parseThenFormat_isTheIdentity_andWitnessCosignaturesAppend() throws Exception {
        // given a checkpoint signed by the log
        Checkpoint c = new Checkpoint("example.com/log", 5, Merkle.emptyRoot(), List.of("ext"));
        Note note = c.sign(log);
        // when a witness cosigns the text it received
        Note cosigned = Note.parse(note.format()).withSignatures(List.of(witness.sign(note.text())));
        // then both verify, the formats round-trip, and the timestamp is the witness's clock
        assertEquals(cosigned.format(), Note.parse(cosigned.format()).format());
        assertEquals(c, Checkpoint.open(cosigned.format(), log.verifier()));
        assertEquals(42L, Cosignature.verify(cosigned, witness.verifier()));
        assertEquals(2, cosigned.verify(log.verifier(), witness.verifier()).verified().size());
    }

    @Test
    void theSameKeyConfiguredTwice_isNotAmbiguous_andAnotherKeyUnderTheSameName_isUnknown() throws Exception {
        // (AMBIGUOUS_KEY needs two different keys with one name and a colliding 32-bit key ID: not built here)
        Note note = Note.sign("hello\n", log);
        NoteVerifier real = log.verifier();
        NoteVerifier same = NoteVerifier.parse(real.vkey());
        assertEquals(1, note.verify(real, same).verified().size()); // the same key twice is not ambiguous
        NoteSigner other = NoteSigner.ed25519("example.com/log", NoteFixtures.seed("another"));
        assertEquals(Reason.UNKNOWN_KEY, assertThrows(VerificationException.class, () -> note.verify(other.verifier())).reason());
    }

    @Test
    void sign_refusesTextThatIsNotNoteText() {
        for (String bad : new String[] {"", "no newline", "cr\r\n", "tab\t\n"}) {
            assertEquals(Reason.MALFORMED_NOTE, assertThrows(VerificationException.class, () -> Note.sign(bad, log)).reason(), bad);
        }
    }

    @Test
    void vkeyAndKeyId_followTheSpec() throws Exception {
        NoteVerifier v = NoteVerifier.parse("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k");
        assertEquals(0x530d903a, v.keyId());
        assertEquals(0x530d903a, NoteVerifier.keyId("example.com/foo", (byte) 1, v.publicKey()));
        assertEquals(Reason.MALFORMED_KEY, assertThrows(VerificationException.class,
                () -> NoteVerifier.of("a b", NoteVerifier.TYPE_ED25519, v.publicKey())).reason());
    }
}
