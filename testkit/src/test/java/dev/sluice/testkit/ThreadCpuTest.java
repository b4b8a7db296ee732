package dev.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@EnabledOnOs(OS.LINUX)
class ThreadCpuTest {
    @Test
    void namesTheThreadThatUsedTheCpuWithItsDigitsFolded() throws InterruptedException {
        long pid = ProcessHandle.current().pid();
        ThreadCpu before = ThreadCpu.of(pid);
        Thread burner = new Thread(() -> {
            long end = System.nanoTime() + 300_000_000L;
            long x = 0;
            while (System.nanoTime() < end) {
                x += x * 31 + 7;
            }
            if (x == 42) {
                System.out.println(x);
            }
        }, "cpu-burner-8");
        burner.start();
        Thread.sleep(250); // read while it runs: an ended thread leaves /proc
        String report = ThreadCpu.of(pid).since(before, 5);
        burner.join();
        assertThat(report).contains("cpu-burner-#").doesNotContain("cpu-burner-8");
        assertThat(before.since(before, 5)).isEqualTo("-");
    }
}
