package dev.loopgrid.core.subject;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class SealerTest {
    private static DataKey key(String id) {
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        return new DataKey(id, k);
    }

    private static final byte[] AAD = "tenant\0subject".getBytes(StandardCharsets.UTF_8);
    private static final byte[] TEXT = "{\"input\":\"secret\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aBoxOpensWithItsKeyAndPlace_andHidesItsText() {
        DataKey k = key("dk_1");
        ObjectNode box = Sealer.seal(k, AAD, TEXT);
        assertFalse(box.toString().contains("secret"));
        assertArrayEquals(TEXT, Sealer.open(k, AAD, box));
        assertFalse(box.toString().equals(Sealer.seal(k, AAD, TEXT).toString()), "a fresh IV per box");
    }

    @Test
    void anotherKeyPlaceOrChangedByte_doesNotOpen() {
        DataKey k = key("dk_1");
        ObjectNode box = Sealer.seal(k, AAD, TEXT);
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(key("dk_1"), AAD, box), "same id, other key: the commitment");
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(key("dk_2"), AAD, box), "other key id");
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(k, "other".getBytes(StandardCharsets.UTF_8), box));
        ObjectNode changed = box.deepCopy();
        String ct = changed.get("ct").asText();
        changed.put("ct", (ct.charAt(0) == 'A' ? 'B' : 'A') + ct.substring(1));
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(k, AAD, changed));
        ObjectNode noIv = box.deepCopy();
        noIv.remove("iv");
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(k, AAD, noIv));
        assertThrows(Sealer.Unopenable.class, () -> Sealer.open(k, AAD, null));
    }

    @Test
    void aDataKeyNeverPrintsItsSecret() {
        assertFalse(key("dk_9").toString().matches(".*[0-9a-f]{32}.*"));
        assertThrows(IllegalArgumentException.class, () -> new DataKey("x", new byte[16]));
    }
}
