package dev.sluice.generation.semantic;

import java.util.ArrayList;
import java.util.List;

/**
 * The cached requests of one scope: a ring of at most {@code capacity} entries (the oldest overwritten first), the
 * vectors in one flat {@code float[]} scanned exactly (every entry, dot product = cosine for L2-normalised vectors).
 * An exact scan is chosen over an approximate index because a scope is one tenant's questions to one model with one
 * system prompt: thousands, not millions (the benchmark in the README prices both). Synchronized: the stage's
 * worker threads share it.
 */
final class ScopeIndex {
    /** One candidate above the threshold. */
    record Candidate(int slot, float similarity, String answerKey, TextGuard.Features features) {}

    private final int dimensions;
    private final int capacity;
    private float[] vectors;
    private String[] answerKeys;
    private TextGuard.Features[] features;
    private long[] expiresAtMillis;
    private int[] served;
    private int size;
    private int next;

    ScopeIndex(int dimensions, int capacity) {
        this.dimensions = dimensions;
        this.capacity = capacity;
        int initial = Math.min(capacity, 16);
        this.vectors = new float[initial * dimensions];
        this.answerKeys = new String[initial];
        this.features = new TextGuard.Features[initial];
        this.expiresAtMillis = new long[initial];
        this.served = new int[initial];
    }

    int dimensions() {
        return dimensions;
    }

    synchronized int size() {
        return size;
    }

    synchronized void add(float[] vector, TextGuard.Features text, String answerKey, long expiresAt) {
        int slot;
        if (size < capacity) {
            if (size == answerKeys.length) {
                grow();
            }
            slot = size++;
        } else {
            slot = next;
            next = (next + 1) % capacity;
        }
        System.arraycopy(vector, 0, vectors, slot * dimensions, dimensions);
        answerKeys[slot] = answerKey;
        features[slot] = text;
        expiresAtMillis[slot] = expiresAt;
        served[slot] = 0;
    }

    /**
     * The at most {@code k} live entries with similarity at least {@code threshold} that were served fewer than
     * {@code maxServes} times, most similar first.
     */
    synchronized List<Candidate> nearest(float[] query, float threshold, int k, long nowMillis, int maxServes) {
        int[] bestSlot = new int[k];
        float[] bestSim = new float[k];
        int found = 0;
        for (int slot = 0; slot < size; slot++) {
            float sim = dot(query, slot * dimensions);
            if (sim < threshold || (found == k && sim <= bestSim[k - 1])) {
                continue;
            }
            if (expiresAtMillis[slot] <= nowMillis || served[slot] >= maxServes) {
                continue;
            }
            int at = Math.min(found, k - 1);
            while (at > 0 && bestSim[at - 1] < sim) {
                bestSim[at] = bestSim[at - 1];
                bestSlot[at] = bestSlot[at - 1];
                at--;
            }
            bestSim[at] = sim;
            bestSlot[at] = slot;
            found = Math.min(found + 1, k);
        }
        List<Candidate> out = new ArrayList<>(found);
        for (int i = 0; i < found; i++) {
            out.add(new Candidate(bestSlot[i], bestSim[i], answerKeys[bestSlot[i]], features[bestSlot[i]]));
        }
        return out;
    }

    /** Counts one serve of {@code slot} if it still holds {@code answerKey} (it may have been overwritten). */
    synchronized void served(int slot, String answerKey) {
        if (slot < size && answerKey.equals(answerKeys[slot])) {
            served[slot]++;
        }
    }

    /** Makes {@code slot} unservable (its answer is gone from the store). */
    synchronized void expire(int slot, String answerKey) {
        if (slot < size && answerKey.equals(answerKeys[slot])) {
            expiresAtMillis[slot] = Long.MIN_VALUE;
        }
    }

    private float dot(float[] query, int offset) {
        // Four independent sums: the JIT may not reorder one float sum, so a single accumulator is one long chain.
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < dimensions; i += 4) {
            s0 += query[i] * vectors[offset + i];
            s1 += query[i + 1] * vectors[offset + i + 1];
            s2 += query[i + 2] * vectors[offset + i + 2];
            s3 += query[i + 3] * vectors[offset + i + 3];
        }
        for (; i < dimensions; i++) {
            s0 += query[i] * vectors[offset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    private void grow() {
        int n = Math.min(capacity, answerKeys.length * 2);
        vectors = java.util.Arrays.copyOf(vectors, n * dimensions);
        answerKeys = java.util.Arrays.copyOf(answerKeys, n);
        features = java.util.Arrays.copyOf(features, n);
        expiresAtMillis = java.util.Arrays.copyOf(expiresAtMillis, n);
        served = java.util.Arrays.copyOf(served, n);
    }
}
