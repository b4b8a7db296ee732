package dev.sluice.reliability;

import java.util.HashSet;
import java.util.Set;

/** Set arithmetic for request ids. */
final class Sets {
    private Sets() {}

    static Set<String> minus(Set<String> all, Set<String> without) {
        Set<String> out = new HashSet<>(all);
        out.removeAll(without);
        return out;
    }
}
