package dev.loopgrid.core.decision;

import java.text.Normalizer;

/**
 * The names a decision is filed and reported under ({@code service_name}, {@code decision_type}, {@code model.provider},
 * {@code model.name}): stored in Unicode NFC, so that "é" typed precomposed or decomposed is one chain, and refused
 * when they would look like another name or like nothing in a report:
 * <ul>
 *   <li>a bidirectional control character (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) can make a name
 *       display as a different one ("Trojan Source");</li>
 *   <li>a name made only of invisible characters (format characters, Unicode category Cf, such as zero-width space
 *       and joiners; whitespace; fillers such as U+3164 and variation selectors) displays as empty.</li>
 * </ul>
 */
public final class Names {
    private Names() {}

    /** {@code s} in NFC. */
    public static String nfc(String s) {
        return s == null || Normalizer.isNormalized(s, Normalizer.Form.NFC) ? s : Normalizer.normalize(s, Normalizer.Form.NFC);
    }

    /** Why {@code s} (already NFC) cannot be a name, as a field-error message, or null when it can. */
    public static String problem(String s) {
        boolean visible = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (isBidiControl(cp)) {
                return "must not contain bidirectional control characters (found U+"
                        + String.format("%04X", cp) + ")";
            }
            if (!isInvisible(cp)) visible = true;
            i += Character.charCount(cp);
        }
        return visible ? null : "must contain a visible character (got only invisible, zero-width or format characters)";
    }

    static boolean isBidiControl(int cp) {
        return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x2066 && cp <= 0x2069);
    }

    static boolean isInvisible(int cp) {
        return Character.getType(cp) == Character.FORMAT || Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                || Character.isISOControl(cp)
                || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0 || cp == 0x2800
                || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
    }
}
