package dev.sluice.tools.dlq;

import java.nio.charset.StandardCharsets;

import dev.sluice.common.DeadLetterHeaders;
import dev.sluice.schema.DeadLetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers replay puts on a record it sends back: the incremented {@link DeadLetterHeaders#REPLAY_COUNT} (stages
 * carry it into any new dead letter, which is how the replay limit survives a loop) and where the record was
 * first consumed. The failure headers of the letter are not carried over.
 */
public final class ReplayHeaders {
    /** Topic the record was first consumed from (kept from the first replay when a record fails again). */
    public static final String ORIGINAL_TOPIC = "sluice.replay.original.topic";
    public static final String ORIGINAL_PARTITION = "sluice.replay.original.partition";
    public static final String ORIGINAL_OFFSET = "sluice.replay.original.offset";
    /** The dead letter this record was replayed from, {@code <dlq topic>/<partition>@<offset>}. */
    public static final String LETTER = "sluice.replay.letter";

    private ReplayHeaders() {}

    public static Headers forReplay(Letter letter) {
        Headers in = letter.record().headers();
        DeadLetter view = letter.view();
        Headers out = new RecordHeaders();
        for (Header h : in) {
            String k = h.key();
            if (!k.startsWith("sluice.dlq.") && !k.startsWith("__streams.errors.") && !k.startsWith("sluice.replay.")) {
                out.add(h);
            }
        }
        put(out, DeadLetterHeaders.REPLAY_COUNT, Integer.toString(view.getReplayCount() + 1));
        // The first replay's coordinates are the record's true origin; a later letter points at a replayed copy.
        put(out, ORIGINAL_TOPIC, DeadLetterHeaders.get(in, ORIGINAL_TOPIC).orElse(view.getOriginalTopic()));
        put(out, ORIGINAL_PARTITION, DeadLetterHeaders.get(in, ORIGINAL_PARTITION).orElse(Integer.toString(view.getOriginalPartition())));
        put(out, ORIGINAL_OFFSET, DeadLetterHeaders.get(in, ORIGINAL_OFFSET).orElse(Long.toString(view.getOriginalOffset())));
        put(out, LETTER, letter.record().topic() + "/" + letter.coordinates());
        return out;
    }

    private static void put(Headers headers, String key, String value) {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
