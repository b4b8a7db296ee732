package dev.sluice.generation.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedProviderTest {
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    static CompletionRequest request() {
        return new CompletionRequest("r1", "gpt-4o-mini", List.of(new ChatTurn("user", "hello")), 32, null);
    }

    @Test
    void shouldFailEveryCallAsOverloadedWhileTheOutageFileExistsAndRecoverWhenItIsGone() throws Exception {
        Path switchFile = dir.resolve("outage");
        SimulatedProvider provider = new SimulatedProvider(SimulatedSettings.fixed(0).withOutageFile(switchFile), scheduler);
        assertThat(provider.complete(request()).join().outputTokens()).isEqualTo(32);

        Files.createFile(switchFile);
        Thread.sleep(SimulatedProvider.OUTAGE_CHECK_MILLIS * 2);
        assertThatThrownBy(() -> provider.complete(request()).join()).isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.OVERLOADED));

        Files.delete(switchFile);
        Thread.sleep(SimulatedProvider.OUTAGE_CHECK_MILLIS * 2);
        assertThat(provider.complete(request()).join().outputTokens()).isEqualTo(32);
        assertThat(provider.calls()).isEqualTo(3);
    }
}
