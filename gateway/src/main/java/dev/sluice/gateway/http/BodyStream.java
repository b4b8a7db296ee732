package dev.sluice.gateway.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A request body as the handler thread reads it while the connection's I/O thread is still receiving it. The I/O
 * thread {@link #add}s each received part; past {@link #HIGH_WATER} bytes queued it stops reading the socket
 * ({@code pause}), and the reader asks it to go on ({@code resume}) once the queue is under {@link #LOW_WATER}, so an
 * upload of any size holds at most a few hundred KiB here.
 */
final class BodyStream extends InputStream {
    static final int HIGH_WATER = 256 * 1024;
    static final int LOW_WATER = 64 * 1024;

    private final ArrayDeque<byte[]> parts = new ArrayDeque<>();
    private final Runnable pause;
    private final Runnable resume;
    private byte[] part;
    private int pos;
    private long queued;
    private boolean ended;
    private boolean paused;
    private IOException failure;
    private boolean discarding;

    BodyStream(Runnable pause, Runnable resume) {
        this.pause = pause;
        this.resume = resume;
    }

    /** Called on the I/O thread with the next received part of the body. */
    synchronized void add(byte[] bytes) {
        if (discarding || bytes.length == 0) {
            return;
        }
        parts.add(bytes);
        queued += bytes.length;
        if (queued > HIGH_WATER && !paused) {
            paused = true;
            pause.run();
        }
        notifyAll();
    }

    /** The whole body has been received. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** The connection closed before the body ended: a read waiting for more fails. */
    synchronized void fail(IOException e) {
        failure = e;
        notifyAll();
    }

    /** The call was answered without reading all of the body: what is left is dropped as it arrives. */
    synchronized void discard() {
        discarding = true;
        parts.clear();
        part = null;
        queued = 0;
        if (paused) {
            paused = false;
            resume.run();
        }
    }

    synchronized boolean ended() {
        return ended;
    }

    /** Bytes received and not read yet. */
    synchronized long queued() {
        return queued;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (part == null || pos == part.length) {
            part = parts.poll();
            pos = 0;
            if (part != null) {
                continue;
            }
            if (ended) {
                return -1;
            }
            if (failure != null) {
                throw failure;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the request body");
            }
        }
        int n = Math.min(len, part.length - pos);
        System.arraycopy(part, pos, b, off, n);
        pos += n;
        queued -= n;
        if (paused && queued < LOW_WATER) {
            paused = false;
            resume.run();
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, queued);
    }
}
