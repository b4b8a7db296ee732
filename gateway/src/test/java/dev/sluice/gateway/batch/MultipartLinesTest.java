package dev.sluice.gateway.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class MultipartLinesTest {
    @Test
    void shouldStreamTheFilePartLineByLineAndCollectTheFields() throws Exception {
        String body = "--XyZ\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n"
                + "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\r\n--XyZ--\r\n";
        List<String> lines = new ArrayList<>();

        Map<String, String> fields = new MultipartLines(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
                "multipart/form-data; boundary=XyZ", 1024).read(l -> lines.add(new String(l, StandardCharsets.UTF_8)));

        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
        assertThat(fields).containsEntry("purpose", "batch").containsEntry("filename", "in.jsonl");
    }
}
