package dev.sluice.enrichment.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MiniLmEmbedderIT {
    private final MiniLmEmbedder model = SharedModel.get();

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot; // both are L2-normalised
    }

    @Test
    void shouldReturnUnitLength384VectorsWhereSimilarTextsAreCloser() {
        List<float[]> v = model.embedAll(List.of("How do I reset my password?", "I forgot my password, how can I change it?",
                "The weather in Lisbon is sunny today."));
        assertThat(v).allSatisfy(x -> {
            assertThat(x).hasSize(384);
            assertThat(Math.sqrt(cosine(x, x))).isCloseTo(1.0, within(1e-4));
        });
        assertThat(cosine(v.get(0), v.get(1))).isGreaterThan(cosine(v.get(0), v.get(2)) + 0.2);
    }

    @Test
    void shouldMatchLangchain4jWhenTextsFitTheWindow() {
        List<String> texts = List.of("hello world", "a somewhat longer sentence about Kafka transactions and Redis caches",
                "short");
        List<float[]> ours = model.embedAll(texts);
        var reference = new AllMiniLmL6V2QuantizedEmbeddingModel()
                .embedAll(texts.stream().map(TextSegment::from).toList()).content();
        for (int i = 0; i < texts.size(); i++) {
            assertThat(cosine(ours.get(i), reference.get(i).vector())).as(texts.get(i)).isGreaterThan(0.999);
        }
    }

    @Test
    void shouldGiveExactlyTheSameVectorWhateverElseIsInTheListWhenBatchSizeIsOne() {
        float[] alone = model.embedAll(List.of("neighbours must not change the vector")).get(0);
        float[] among = model.embedAll(List.of("x", "neighbours must not change the vector",
                "a much longer text that would force padding of the shorter ones in a shared batch, many tokens here")).get(1);
        assertThat(among).containsExactly(alone);
    }

    @Test
    void shouldStayCloseToTheUnbatchedVectorWhenRunInPaddedBatches() {
        List<String> texts = List.of("hello world", "a much longer text that forces padding of the shorter ones in the batch",
                "how do I reset my password");
        try (MiniLmEmbedder batched = new MiniLmEmbedder(SharedModel.stateDir(), 32, 2)) {
            List<float[]> b = batched.embedAll(texts);
            List<float[]> one = model.embedAll(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(cosine(b.get(i), one.get(i))).as(texts.get(i)).isGreaterThan(0.95);
            }
        }
    }

    @Test
    void shouldTruncateToTheTokenWindowWhenTextIsEnormous() {
        String enormous = "lorem ipsum dolor sit amet ".repeat(2_000);
        float[] whole = model.embedAll(List.of(enormous)).get(0);
        assertThat(whole).hasSize(384);
        assertThat(cosine(whole, model.embedAll(List.of(enormous.substring(0, 4000))).get(0))).isGreaterThan(0.9999);
    }
}
