package dev.loopgrid.verify;

/** Lower-case hex, strict decoding. */
public final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {}

    public static String encode(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[b[i] & 0xf];
        }
        return new String(out);
    }

    private static int digit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1; // Character.digit would also take other scripts' digits
    }

    /** Decodes ASCII hex (either case) of even length. */
    public static byte[] decode(String s) {
        if (s.length() % 2 != 0) throw new IllegalArgumentException("odd hex length " + s.length());
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            int hi = digit(s.charAt(2 * i));
            int lo = digit(s.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) throw new IllegalArgumentException("not hex: " + s);
            out[i] = (byte) (hi << 4 | lo);
        }
        return out;
    }
}
