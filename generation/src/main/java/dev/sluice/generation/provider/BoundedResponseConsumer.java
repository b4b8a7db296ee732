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
 * a body without end (a broken proxy, a provider gone wrong) must not take the stage's heap with it, nor keep the
 * call reading. Once a body passes its limit ({@code maxAnswerBytes} for a 2xx answer, {@code maxErrorBytes} for an
 * error) the call fails with {@link Cut}, which carries the status, headers and the body's first bytes, and the
 * connection is dropped: nothing more is read. Not thread-safe: one per call, as HttpClient uses it.
 */
final class BoundedResponseConsumer extends AbstractBinResponseConsumer<SimpleHttpResponse> {
    /** The body passed its limit: {@link #head()} has the status, headers and the body up to the limit. */
    static final class Cut extends IOException {
        private final transient SimpleHttpResponse head;

        Cut(SimpleHttpResponse head, int limit) {
            super("the answer is larger than " + limit + " bytes");
            this.head = head;
        }

        SimpleHttpResponse head() {
            return head;
        }
    }

    private final int maxAnswerBytes;
    private final int maxErrorBytes;
    private HttpResponse head;
    private ContentType contentType;
    private ByteArrayBuffer body;
    private int limit;

    BoundedResponseConsumer(int maxAnswerBytes, int maxErrorBytes) {
        this.maxAnswerBytes = maxAnswerBytes;
        this.maxErrorBytes = maxErrorBytes;
    }

    @Override
    protected void start(HttpResponse response, ContentType contentType) {
        this.head = response;
        this.contentType = contentType;
        this.limit = response.getCode() / 100 == 2 ? maxAnswerBytes : maxErrorBytes;
        this.body = new ByteArrayBuffer(Math.min(limit, 8 * 1024));
    }

    @Override
    protected int capacityIncrement() {
        return Integer.MAX_VALUE;
    }

    @Override
    protected void data(ByteBuffer src, boolean endOfStream) throws IOException {
        int room = limit - body.length();
        if (src.remaining() <= room) {
            body.append(src);
            return;
        }
        byte[] prefix = new byte[room];
        src.get(prefix);
        body.append(prefix, 0, room);
        throw new Cut(buildResult(), limit);
    }

    @Override
    protected SimpleHttpResponse buildResult() {
        SimpleHttpResponse response = SimpleHttpResponse.copy(head);
        if (body.length() > 0) {
            response.setBody(body.toByteArray(), contentType);
        }
        return response;
    }

    @Override
    public void releaseResources() {
        // nothing held beyond this object, which HttpClient drops with the call
    }
}
