package dev.sluice.generation.provider;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.nio.AsyncEntityProducer;
import org.apache.hc.core5.http.nio.DataStreamChannel;
import org.apache.hc.core5.http.nio.entity.BasicAsyncEntityProducer;

/**
 * A request body that knows whether the HTTP client ever took all of it. Until it did, the provider cannot have
 * received the whole request, so a failure then provably cost nothing and may be retried. Having taken it proves
 * nothing about delivery, which is why the check only ever argues for "not sent".
 */
final class TrackedBody implements AsyncEntityProducer {
    private final AsyncEntityProducer delegate;
    private volatile boolean handedOver;

    TrackedBody(byte[] payload) {
        this.delegate = new BasicAsyncEntityProducer(payload, ContentType.APPLICATION_JSON);
    }

    /** True once the client wrote the body's last byte and ended the request stream. */
    boolean handedOver() {
        return handedOver;
    }

    @Override
    public void produce(DataStreamChannel channel) throws IOException {
        delegate.produce(new DataStreamChannel() {
            @Override
            public void requestOutput() {
                channel.requestOutput();
            }

            @Override
            public int write(ByteBuffer src) throws IOException {
                return channel.write(src);
            }

            @Override
            public void endStream() throws IOException {
                channel.endStream();
                handedOver = true;
            }

            @Override
            public void endStream(List<? extends Header> trailers) throws IOException {
                channel.endStream(trailers);
                handedOver = true;
            }
        });
    }

    @Override
    public int available() {
        return delegate.available();
    }

    @Override
    public boolean isRepeatable() {
        return delegate.isRepeatable();
    }

    @Override
    public void failed(Exception cause) {
        delegate.failed(cause);
    }

    @Override
    public void releaseResources() {
        delegate.releaseResources();
    }

    @Override
    public long getContentLength() {
        return delegate.getContentLength();
    }

    @Override
    public String getContentType() {
        return delegate.getContentType();
    }

    @Override
    public String getContentEncoding() {
        return delegate.getContentEncoding();
    }

    @Override
    public boolean isChunked() {
        return delegate.isChunked();
    }

    @Override
    public Set<String> getTrailerNames() {
        return delegate.getTrailerNames();
    }
}
