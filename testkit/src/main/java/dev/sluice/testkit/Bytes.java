package dev.sluice.testkit;

/** Byte-array helpers tests share, e.g. to find a marker inside a serialised record before corrupting it. */
public final class Bytes {
    private Bytes() {}

    /** The first index of {@code needle} in {@code haystack}; fails if it is absent. */
    public static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("marker of " + needle.length + " bytes not found in " + haystack.length + " bytes");
    }
}
