package dev.sluice.generation.provider;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;

/**
 * A request body that knows whether the HTTP client ever took all of it. Until it did, the provider cannot have
 * received the whole request, so a failure then provably cost nothing and may be retried. Having taken it proves
 * nothing about delivery, which is why the check only ever argues for "not sent".
 */
final class TrackedBody implements HttpRequest.BodyPublisher {
    private final byte[] payload;
    private final HttpRequest.BodyPublisher delegate;
    private volatile boolean handedOver;

    TrackedBody(byte[] payload) {
        this.payload = payload;
        this.delegate = HttpRequest.BodyPublishers.ofByteArray(payload);
    }

    /** True once some subscription of the client received every byte of the body. */
    boolean handedOver() {
        return handedOver;
    }

    @Override
    public long contentLength() {
        return payload.length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        delegate.subscribe(new Flow.Subscriber<>() {
            private long taken;

            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscriber.onSubscribe(subscription);
            }

            @Override
            public void onNext(ByteBuffer item) {
                taken += item.remaining();
                if (taken >= payload.length) {
                    handedOver = true;
                }
                subscriber.onNext(item);
            }

            @Override
            public void onError(Throwable throwable) {
                subscriber.onError(throwable);
            }

            @Override
            public void onComplete() {
                handedOver = true;
                subscriber.onComplete();
            }
        });
    }
}
