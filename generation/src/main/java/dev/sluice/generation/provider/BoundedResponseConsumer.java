package dev.sluice.generation.provider;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.apache.hc.client5.http.async.methods.AbstractBinResponseConsumer;
import org.apache.hc.client5.http.async.methods.SimpleHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.util.ByteArrayBuffer;

/**
 * HttpClient's {@code SimpleResponseConsumer} with a ceiling: a provider's answer is held in memory to be parsed, so
 * a body without end (a broken proxy, a provider gone wrong) must not take the stage's heap with it. A successful
 * answer over {@code maxAnswerBytes} fails the call with {@link TooLarge} as soon as that many bytes have arrived
 * (the connection is then dropped); an error answer keeps its first {@code maxErrorBytes} and drops the rest, so its
 * status is still classified. Not thread-safe: one per call, as HttpClient uses it.
 */
final class BoundedResponseConsumer extends AbstractBinResponseConsumer<SimpleHttpResponse> {
    /** A successful answer larger than the ceiling. */
    static final class TooLarge extends IOException {
        TooLarge(String message) {
            super(message);
        }
    }

    private final int maxAnswerBytes;
    private final int maxErrorBytes;
    private HttpResponse head;
    private ContentType contentType;
    private ByteArrayBuffer body;
    private int limit;
    private boolean keepPrefixOnly;

    BoundedResponseConsumer(int maxAnswerBytes, int maxErrorBytes) {
        this.maxAnswerBytes = maxAnswerBytes;
        this.maxErrorBytes = maxErrorBytes;
    }

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        this.head = response;
        this.contentType = contentType;
        boolean ok = response.getCode() / 100 == 2;
        this.limit = ok ? maxAnswerBytes : maxErrorBytes;
        this.keepPrefixOnly = !ok;
        this.body = new ByteArrayBuffer(Math.min(limit, 8 * 1024));
    }

    @Override
    protected int capacityIncrement() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) throws IOException {
        if (body == null) { // released: the call already failed
            src.position(src.limit());
            return;
        }
        int room = limit - body.length();
        if (src.remaining() <= room) {
            body.append(src);
            return;
        }
        if (!keepPrefixOnly) {
            throw new TooLarge("the answer is larger than " + limit + " bytes");
        }
        if (room > 0) {
            byte[] prefix = new byte[room];
            src.get(prefix);
            body.append(prefix, 0, room);
        }
        src.position(src.limit()); // the rest of an error body is dropped
    }

    @Override
    protected SimpleHttpResponse buildResult() {
        SimpleHttpResponse response = SimpleHttpResponse.copy(head);
        if (body != null && body.length() > 0) {
            response.setBody(body.toByteArray(), contentType);
        }
        return response;
    }

    @Override
    public void releaseResources() {
        body = null;
    }
}
