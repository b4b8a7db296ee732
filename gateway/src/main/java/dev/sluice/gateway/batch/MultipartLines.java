package dev.sluice.gateway.batch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import dev.sluice.gateway.http.ApiError;

/**
 * Reads a {@code multipart/form-data} upload line by line: form fields are collected, the {@code file} part is
 * handed to a consumer one line at a time, so a large JSONL file never sits in memory whole. JSONL is line based
 * and every multipart delimiter starts on its own line, so reading lines is enough to find the boundaries.
 */
final class MultipartLines {
    private final InputStream in;
    private final byte[] delimiter;
    private final int maxLineBytes;
    private long bytes;

    MultipartLines(InputStream in, String contentType, int maxLineBytes) {
        this.in = new java.io.BufferedInputStream(in, 64 * 1024);
        this.delimiter = ("--" + boundary(contentType)).getBytes(StandardCharsets.US_ASCII);
        this.maxLineBytes = maxLineBytes;
    }

    static String boundary(String contentType) {
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                return p.substring(9).replace("\"", "");
            }
        }
        throw ApiError.invalid("file", "the upload must be multipart/form-data with a 'file' part and purpose=batch");
    }

    /** Reads everything; file lines go to {@code fileLine} (without line endings); returns the form fields and the file name. */
    Map<String, String> read(Consumer<byte[]> fileLine) throws IOException {
        Map<String, String> fields = new HashMap<>();
        byte[] line = readLine();
        while (line != null && !startsWith(line, delimiter)) {
            line = readLine();
        }
        while (line != null && !isFinal(line)) {
            Map<String, String> headers = new HashMap<>();
            for (byte[] h = readLine(); h != null && h.length > 0; h = readLine()) {
                String header = new String(h, StandardCharsets.UTF_8);
                int colon = header.indexOf(':');
                if (colon > 0) {
                    headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
                }
            }
            String disposition = headers.getOrDefault("content-disposition", "");
            String name = param(disposition, "name");
            boolean file = "file".equals(name);
            if (file) {
                fields.put("filename", param(disposition, "filename"));
            }
            StringBuilder value = new StringBuilder();
            for (line = readLine(); line != null && !startsWith(line, delimiter); line = readLine()) {
                if (file) {
                    if (line.length > 0) {
                        fileLine.accept(line);
                    }
                } else if (value.length() < 1024) {
                    value.append(new String(line, StandardCharsets.UTF_8));
                }
            }
            if (!file && name != null) {
                fields.put(name, value.toString().trim());
            }
        }
        fields.put("bytes", Long.toString(bytes));
        return fields;
    }

    private boolean isFinal(byte[] line) {
        return line.length >= delimiter.length + 2 && startsWith(line, delimiter)
                && line[delimiter.length] == '-' && line[delimiter.length + 1] == '-';
    }

    private static boolean startsWith(byte[] line, byte[] prefix) {
        if (line.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (line[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String param(String disposition, String key) {
        for (String part : disposition.split(";")) {
            String p = part.trim();
            if (p.startsWith(key + "=")) {
                return p.substring(key.length() + 1).replace("\"", "");
            }
        }
        return null;
    }

    /** One line without its CR LF / LF; null at the end of the stream. */
    private byte[] readLine() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        int b;
        boolean any = false;
        while ((b = in.read()) != -1) {
            any = true;
            bytes++;
            if (b == '\n') {
                break;
            }
            if (out.size() >= maxLineBytes) {
                throw ApiError.invalid("file", "a line of the file is longer than " + maxLineBytes + " bytes");
            }
            out.write(b);
        }
        if (!any) {
            return null;
        }
        byte[] line = out.toByteArray();
        return line.length > 0 && line[line.length - 1] == '\r' ? java.util.Arrays.copyOf(line, line.length - 1) : line;
    }
}
