package dev.sluice.ingest.admission;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Unsigned LEB128 varints: small numbers in few bytes, so per-user state stays compact. */
final class VarCodec {
    private byte[] buf;
    private int pos;

    VarCodec(int capacity) {
        this.buf = new byte[capacity];
    }

    VarCodec(byte[] bytes) {
        this.buf = bytes;
    }

    VarCodec putByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
        return this;
    }

    VarCodec putVar(long v) {
        if (v < 0) {
            throw new IllegalArgumentException("varint must not be negative: " + v);
        }
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
        return this;
    }

    VarCodec putBytes(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, buf, pos, bytes.length);
        pos += bytes.length;
        return this;
    }

    /** The next {@code length} bytes as UTF-8. */
    String getString(int length) {
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    int getByte() {
        return buf[pos++] & 0xFF;
    }

    long getVar() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
        }
        throw new IllegalStateException("varint longer than 10 bytes");
    }

    int getVarInt() {
        return Math.toIntExact(getVar());
    }

    byte[] toBytes() {
        return Arrays.copyOf(buf, pos);
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
