package dev.sluice.launcher.infra;

import java.util.regex.Pattern;

/** Redis URLs as they may be shown: never with the password. */
public final class RedisUrls {
    private static final Pattern USER_INFO = Pattern.compile("^(rediss?(?:-sentinel)?://)[^@/]*@");

    private RedisUrls() {}

    /** {@code rediss://user:secret@host:6380/0} → {@code rediss://***@host:6380/0}. */
    public static String withoutCredentials(String url) {
        return url == null ? "" : USER_INFO.matcher(url).replaceFirst("$1***@");
    }
}
