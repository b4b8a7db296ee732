package dev.sluice.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.sluice.contracts.registry.SchemaRegistryClient;
import org.junit.jupiter.api.Test;

/** The pipeline description is the one source: dead-letter routing, replay targets, the catalog and the docs agree with it. */
class PipelineTest {
    private static final Path TOPICS_DOC = Path.of("..").toAbsolutePath().normalize().resolve("docs/topics.md");
    private static final String BEGIN = "<!-- topics table: generated from Pipeline.TOPICS by PipelineTest; -Dsluice.docs.write=true rewrites it -->\n";
    private static final String END = "<!-- end of topics table -->";

    @Test
    void shouldSendADeadLetterBackToTheStageThatConsumesItsTopicWithOrWithoutAPrefix() {
        assertThat(Pipeline.stageOf("llm.requests")).isEqualTo("ingest");
        assertThat(Pipeline.stageOf("team-a.llm.requests.admitted")).isEqualTo("enrichment");
        assertThat(Pipeline.stageOf("team-a.llm.requests.enriched")).isEqualTo("generation");
        assertThat(Pipeline.stageOf("llm.costs")).isEqualTo("ingest");
        assertThat(Pipeline.stageOf("llm.user-policies")).isEqualTo("ingest");
        assertThat(Pipeline.stageOf("llm.requests.rejected")).as("analytics reads rejections").isEqualTo("analytics");
        assertThat(Pipeline.stageOf("llm.results")).as("no Sluice stage but the gateway reads results").isEqualTo("gateway");
        assertThat(Pipeline.stageOf("llm.dlq")).isEqualTo("unknown");
        assertThat(Pipeline.stageOf("orders")).isEqualTo("unknown");
    }

    @Test
    void shouldReplayOnlyToPublicTopicsAStageConsumesNeverToTheAdmissionInput() {
        assertThat(Pipeline.replayTargets("p.")).containsExactlyInAnyOrder("p.llm.requests.admitted", "p.llm.requests.rejected",
                "p.llm.requests.enriched", "p.llm.results", "p.llm.costs", "p.llm.user-policies");
    }

    @Test
    void shouldNameOnlyKnownStagesAsReaders() {
        assertThatThrownBy(() -> new Pipeline.Flow("x", "k", "v", Map.of(), 0, "someone", List.of("billing"), "", false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'billing' is not a stage");
        assertThat(Pipeline.inputsByStage().keySet()).isSubsetOf(Pipeline.STAGES);
    }

    @Test
    void shouldCreateEveryTopicOfThePipelineWithItsConfigs() {
        TopicCatalog catalog = new TopicCatalog("p.", 6, new SchemaRegistryClient("http://127.0.0.1:9"));
        assertThat(catalog.all()).extracting(Topic::name)
                .containsExactlyElementsOf(Pipeline.TOPICS.stream().map(f -> "p." + f.topic()).toList());
        for (Topic<?, ?> topic : catalog.all()) {
            Pipeline.Flow flow = Pipeline.flowOf(topic.name()).orElseThrow();
            assertThat(topic.configs()).as(topic.name()).isEqualTo(flow.configs());
            assertThat(topic.partitions()).as(topic.name()).isEqualTo(flow.partitions() > 0 ? flow.partitions() : 6);
        }
    }

    @Test
    void shouldMatchTheTopicsTableInTheDocs() throws Exception {
        String doc = Files.readString(TOPICS_DOC);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("docs/topics.md has no generated-table markers").isNotNegative();
        assertThat(end).isGreaterThan(begin);
        String generated = doc.substring(0, begin + BEGIN.length()) + Pipeline.markdownTable() + doc.substring(end);
        if (Boolean.getBoolean("sluice.docs.write")) {
            Files.writeString(TOPICS_DOC, generated);
        }
        assertThat(Files.readString(TOPICS_DOC)).as("docs/topics.md's table is stale: run PipelineTest with -Dsluice.docs.write=true")
                .isEqualTo(generated);
    }
}
