package dev.sluice.ingest.rules;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.sluice.common.ModelCatalog;
import dev.sluice.ingest.IngestConfig;
import dev.sluice.schema.ChatMessage;
import dev.sluice.schema.LlmRequest;

/**
 * The INVALID check: rules a schema-valid request can still break. The first broken rule is reported with
 * its field; no rule message ever quotes the request's content.
 */
public final class RequestValidator {
    /** Canonical textual UUID (any version), lower or upper case hex. */
    static final Pattern UUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** A userId safe to use as a key, a metric tag and a log field (the contract's pattern). */
    static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
    private static final double MAX_TEMPERATURE = 2.0;

    private final ModelCatalog models;
    private final int maxMessages;
    private final int maxMessageChars;
    private final int maxTotalChars;
    private final int maxOutputTokens;
    private final int maxMetadataEntries;
    private final int maxMetadataBytes;
    private final int maxRequestBytes;

    public RequestValidator(IngestConfig config) {
        this.models = config.models();
        this.maxMessages = config.maxMessages();
        this.maxMessageChars = config.maxMessageChars();
        this.maxTotalChars = config.maxTotalChars();
        this.maxOutputTokens = config.maxOutputTokens();
        this.maxMetadataEntries = config.maxMetadataEntries();
        this.maxMetadataBytes = config.maxMetadataBytes();
        this.maxRequestBytes = config.maxRequestBytes();
    }

    /** The first rule {@code request} (received under record key {@code key}, size unknown) breaks, if any. */
    public Optional<Violation> check(String key, LlmRequest request) {
        return check(key, request, -1);
    }

    /**
     * The first rule {@code request}, received under record key {@code key} as {@code sizeBytes} bytes (negative:
     * unknown), breaks, if any. Fields are checked before the total, so the most specific field is named.
     */
    public Optional<Violation> check(String key, LlmRequest request, int sizeBytes) {
        if (!isUuid(request.getRequestId())) {
            return fail("requestId", "must be a UUID");
        }
        if (!isSafeUserId(request.getUserId())) {
            return fail("userId", "must match " + USER_ID.pattern());
        }
        if (!request.getUserId().equals(key)) {
            return fail("key", "record key must equal userId");
        }
        if (!models.allows(request.getModel())) {
            return fail("model", "must be one of the configured models " + models.models());
        }
        List<ChatMessage> messages = request.getMessages();
        if (messages.isEmpty() || messages.size() > maxMessages) {
            return fail("messages", "between 1 and " + maxMessages + " messages");
        }
        long total = 0;
        for (int i = 0; i < messages.size(); i++) {
            int chars = messages.get(i).getContent().length();
            if (chars > maxMessageChars) {
                return fail("messages[" + i + "].content", "at most " + maxMessageChars + " characters per message");
            }
            total += chars;
        }
        if (total > maxTotalChars) {
            return fail("messages", "at most " + maxTotalChars + " characters over all messages");
        }
        if (request.getMaxOutputTokens() < 1 || request.getMaxOutputTokens() > maxOutputTokens) {
            return fail("maxOutputTokens", "between 1 and " + maxOutputTokens);
        }
        Double t = request.getTemperature();
        if (t != null && !(t >= 0 && t <= MAX_TEMPERATURE)) {
            return fail("temperature", "between 0 and " + MAX_TEMPERATURE);
        }
        Optional<Violation> metadata = checkMetadata(request.getMetadata());
        if (metadata.isPresent()) {
            return metadata;
        }
        if (sizeBytes > maxRequestBytes) {
            return fail("request", "at most " + maxRequestBytes + " bytes encoded");
        }
        return Optional.empty();
    }

    // Metadata is copied into every downstream record: bounded in count and bytes, so no result can outgrow a record.
    private Optional<Violation> checkMetadata(Map<String, String> metadata) {
        if (metadata.size() > maxMetadataEntries) {
            return fail("metadata", "at most " + maxMetadataEntries + " entries");
        }
        long bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            bytes += TokenBound.utf8Bytes(e.getKey()) + TokenBound.utf8Bytes(e.getValue());
            if (bytes > maxMetadataBytes) {
                return fail("metadata", "at most " + maxMetadataBytes + " bytes of UTF-8 keys and values");
            }
        }
        return Optional.empty();
    }

    /** {@link #UUID} without a regex engine (this runs once per request): 8-4-4-4-12 hex digits. */
    static boolean isUuid(String s) {
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean ok = i == 8 || i == 13 || i == 18 || i == 23 ? c == '-'
                    : c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** {@link #USER_ID} without a regex engine. */
    static boolean isSafeUserId(String s) {
        int n = s.length();
        if (n < 1 || n > 128) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static Optional<Violation> fail(String field, String rule) {
        return Optional.of(new Violation(field, rule));
    }
}
