package dev.sluice.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Open descriptors of this JVM (gateway + clients) and of the pipeline JVM; of this JVM's sockets, those whose local
 * port is the gateway's (its server side) and those in no TCP table at all (closed but never released: a leak).
 */
final class FdSampler {
    private final long childPid;
    private final int gatewayPort;
    /** {@code /proc/self} when the gateway runs in this JVM, else {@code /proc/<gateway pid>}. */
    private final String gatewayProc;
    private volatile int maxSelf, maxServer, maxChild;
    private volatile String first;

    FdSampler(long childPid, int gatewayPort) {
        this(childPid, gatewayPort, -1);
    }

    /** @param gatewayPid the gateway's process, or -1 when it runs in this JVM */
    FdSampler(long childPid, int gatewayPort, long gatewayPid) {
        this.childPid = childPid;
        this.gatewayPort = gatewayPort;
        this.gatewayProc = gatewayPid < 0 ? "/proc/self" : "/proc/" + gatewayPid;
    }

    synchronized void sample() {
        int[] s = self();
        int child = count("/proc/" + childPid + "/fd");
        maxSelf = Math.max(maxSelf, s[0]);
        maxServer = Math.max(maxServer, s[1]);
        maxChild = Math.max(maxChild, child);
        if (first == null) {
            first = now();
        }
    }

    synchronized void reset() {
        maxSelf = maxServer = maxChild = 0;
    }

    String max() {
        if (first == null) {
            return "not sampled (-Dbench.fds=true)";
        }
        return maxSelf + " (" + maxServer + ") / " + maxChild;
    }

    String first() {
        return first;
    }

    String now() {
        int[] s = self();
        return "gateway JVM " + s[0] + " fds (" + s[2] + " sockets, " + s[1] + " on the gateway port, " + s[3]
                + " in no TCP table), pipeline JVM " + count("/proc/" + childPid + "/fd") + " fds";
    }

    private static int count(String dir) {
        String[] list = new java.io.File(dir).list();
        return list == null ? -1 : list.length;
    }

    /** {total fds, sockets on the gateway port, sockets, sockets in no TCP table}. */
    private int[] self() {
        Set<String> sockets = new HashSet<>();
        String[] fds = new java.io.File(gatewayProc + "/fd").list();
        if (fds == null) {
            return new int[] {-1, -1, -1, -1};
        }
        for (String fd : fds) {
            try {
                String target = Files.readSymbolicLink(Path.of(gatewayProc, "fd", fd)).toString();
                if (target.startsWith("socket:[")) {
                    sockets.add(target.substring(8, target.length() - 1));
                }
            } catch (IOException e) {
                // closed meanwhile
            }
        }
        Map<String, Integer> localPortByInode = new HashMap<>();
        for (String table : List.of(gatewayProc + "/net/tcp", gatewayProc + "/net/tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of(table)).subList(1, Files.readAllLines(Path.of(table)).size())) {
                    String[] f = line.trim().split("\\s+");
                    String local = f[1];
                    localPortByInode.put(f[9], Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
                }
            } catch (IOException | RuntimeException e) {
                // table missing: count nothing from it
            }
        }
        int server = 0;
        int orphan = 0;
        for (String inode : sockets) {
            Integer port = localPortByInode.get(inode);
            if (port == null) {
                orphan++;
            } else if (port == gatewayPort) {
                server++;
            }
        }
        return new int[] {fds.length, server, sockets.size(), orphan};
    }
}
