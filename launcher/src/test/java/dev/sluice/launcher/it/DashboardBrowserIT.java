package dev.sluice.launcher.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

import dev.sluice.analytics.dashboard.DashboardConfig;
import dev.sluice.common.CommonKeys;
import dev.sluice.common.SluiceConfig;
import dev.sluice.common.StageProvider;
import dev.sluice.generation.GenerationConfig;
import dev.sluice.launcher.StageHost;
import dev.sluice.launcher.demo.DemoObserver;
import dev.sluice.launcher.demo.DemoWorkload;
import dev.sluice.common.demo.ProviderOutage;
import dev.sluice.launcher.http.Meters;
import dev.sluice.launcher.http.ObservabilityServer;
import dev.sluice.launcher.infra.StageCatalog;
import dev.sluice.launcher.infra.Topics;
import dev.sluice.launcher.load.OutcomeWatcher;
import dev.sluice.launcher.load.TopicReader;
import dev.sluice.schema.RejectedRequest;
import dev.sluice.contracts.TopicCatalog;
import dev.sluice.contracts.registry.SchemaRegistryClient;
import dev.sluice.testkit.KafkaBroker;
import dev.sluice.testkit.RedisServer;
import dev.sluice.testkit.SchemaRegistryServer;
import dev.sluice.testkit.SluiceInfra;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} + {@code chromium-driver}) while the demo's
 * workload runs through the real stages: the four charts draw data, the rejection counts on the page equal those on
 * the rejected topic, the generation breaker shows OPEN during an injected provider outage and CLOSED after it, the
 * page loads nothing from any other origin, and the browser console stays free of errors. Saves a screenshot to
 * {@code target/dashboard.png} ({@code -Dsluice.docs.write=true} also writes {@code docs/dashboard.png}).
 */
@Tag("integration")
@Timeout(value = 15, unit = TimeUnit.MINUTES)
@ExtendWith(SluiceInfra.class)
class DashboardBrowserIT {
    private static final String CHROMIUM = System.getProperty("sluice.chromium", "/usr/bin/chromium");
    private static final String CHROMEDRIVER = System.getProperty("sluice.chromedriver", "/usr/bin/chromedriver");
    private static final List<String> CHARTS = List.of("chart-spend", "chart-decisions", "chart-throughput", "chart-lag");

    @Test
    void shouldShowLiveChartsRejectionsAndABreakerThatOpensAndClosesWithoutForeignRequestsOrConsoleErrors(
            KafkaBroker kafka, SchemaRegistryServer registry, RedisServer redis, @TempDir Path state) throws Exception {
        assertThat(Paths.get(CHROMIUM)).as("Debian's chromium (apt-get install chromium chromium-driver; .ci/run does)").isExecutable();
        assertThat(Paths.get(CHROMEDRIVER)).as("Debian's chromium-driver").isExecutable();
        List<StageProvider> stages = new ArrayList<>(EndToEndIT.pipeline());
        stages.add(StageCatalog.discover().require("analytics"));
        String prefix = SluiceInfra.uniquePrefix("dashboard");
        Path outageFile = state.resolve("provider-outage");
        int port = freePort();
        SluiceConfig base = EndToEndIT.config(prefix, kafka, registry, redis, state, Map.of(
                "analytics.application.id", "analytics", "analytics.commit.interval.ms", "200",
                GenerationConfig.SIMULATED_OUTAGE_FILE, outageFile.toString(), GenerationConfig.BREAKER_OPEN_MS, "1000",
                DashboardConfig.PORT, Integer.toString(port), DashboardConfig.REFRESH_MS, "500"));
        TopicCatalog catalog = Topics.catalog(base, new SchemaRegistryClient(registry.url()));
        try (Admin admin = kafka.admin()) {
            Topics.createAll(admin, catalog, (short) 1);
        }
        Map<String, Object> props = CommonKeys.kafkaClientProperties(base);
        String page = "http://127.0.0.1:" + port + "/";
        DemoWorkload workload = new DemoWorkload(catalog, props);
        workload.publishPolicies(6); // before the stages: admission reads the policies topic to its end before it admits

        try (Meters meters = Meters.prometheus("it");
             ObservabilityServer http = ObservabilityServer.start(0, () -> dev.sluice.common.StageHealth.up(Map.of()), meters::scrape);
             StageHost host = StageHost.start(stages, base.with(Map.of(DashboardConfig.SCRAPE_URLS,
                     "http://127.0.0.1:" + http.port() + "/metrics")), catalog, meters.registry())) {
            await().atMost(Duration.ofSeconds(120)).until(() -> host.health().ready());
            ChromeDriver browser = browser();
            try {
                browser.get(page);
                DemoObserver observer = new DemoObserver(workload.sent());
                try (OutcomeWatcher watcher = new OutcomeWatcher(props, catalog, true, observer)) {
                    workload.burst(12);
                    workload.overBudget(8);
                    workload.steady(24, 6, 40, () -> sleep(1_500));
                    workload.badInput();

                    CountDownLatch seenOpen = new CountDownLatch(1);
                    ProviderOutage file = ProviderOutage.file(outageFile);
                    CompletableFuture<Void> outage = CompletableFuture.runAsync(() -> {
                        try {
                            workload.outage(new HeldOutage(file, seenOpen), 8, Duration.ZERO);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                    try {
                        await("generation breaker OPEN on the page").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                                .until(() -> breakerStates(browser).contains("OPEN"));
                    } finally {
                        seenOpen.countDown();
                    }
                    outage.get(30, TimeUnit.SECONDS);
                    await("generation breaker CLOSED again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> !breakerStates(browser).isEmpty() && breakerStates(browser).stream().allMatch("CLOSED"::equals));
                    assertThat(texts(browser, "#transitions tbody td:nth-child(3)")).anyMatch(t -> t.endsWith("→ OPEN"));

                    await("every request ended").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                            .until(() -> observer.terminal() >= workload.expectedOutcomes());
                }

                Map<String, Long> onTopic = new TreeMap<>();
                for (RejectedRequest r : TopicReader.readAll(props, catalog.rejected(), Duration.ofSeconds(30))) {
                    onTopic.merge(r.getReason().name(), 1L, Long::sum);
                }
                assertThat(onTopic).containsKeys("RATE_LIMITED", "BUDGET_EXCEEDED", "DUPLICATE", "INVALID");
                await("rejection counts on the page equal the rejected topic's").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> assertThat(rejectionsOnPage(browser)).isEqualTo(onTopic));

                await("charts drawn with data").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    for (String chart : CHARTS) {
                        Object points = browser.executeScript("return document.getElementById(arguments[0]).dataset.points || '0';", chart);
                        assertThat(Integer.parseInt((String) points)).as(chart + " points").isPositive();
                        assertThat(paintedPixels(browser, chart)).as(chart + " painted pixels").isGreaterThan(200);
                    }
                });
                assertThat(texts(browser, "#kpi-dead")).singleElement().isNotEqualTo("0"); // the demo's malformed record
                // admission's gauges, from the demo's own /metrics: a dollar figure and a user count, and the oldest's age
                // while some is held (the demo's one instance read its reservations when it started), not "n/a"
                assertThat(texts(browser, "#kpi-held")).singleElement().asString()
                        .matches("\\$[0-9.]+ \\(0 users\\)|\\$[0-9.]+ \\([1-9][0-9]* users, oldest [0-9.]+ (s|min|h)\\)");
                assertThat(texts(browser, "#dead-letters tbody td:nth-child(2)")).isNotEmpty();

                List<String> requested = resourceUrls(browser);
                assertThat(requested).isNotEmpty().allSatisfy(url -> assertThat(url).startsWith(page));
                assertThat(requested).anyMatch(u -> u.endsWith("/vendor/uPlot.iife.min.js")).anyMatch(u -> u.contains("/api/v1/dashboard"));
                List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
                assertThat(errors).as("browser console errors").isEmpty();

                screenshot(browser);
            } finally {
                browser.quit();
            }
        }
    }

    /** The provider outage of the demo, whose end waits until the page has shown the breaker open. */
    private record HeldOutage(ProviderOutage file, CountDownLatch seenOpen) implements ProviderOutage {
        @Override public void begin() { file.begin(); }
        @Override public boolean supported() { return true; }
        @Override public void end() {
            try {
                seenOpen.await(90, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                file.end();
            }
        }
    }

    private static ChromeDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM); // Debian's; no Selenium Manager download
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1750",
                "--no-first-run", "--disable-extensions", "--disable-background-networking");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    // The page re-renders its tables on every poll, so each read is one script (one consistent DOM), not element by element.

    @SuppressWarnings("unchecked")
    private static List<String> breakerStates(ChromeDriver browser) {
        return (List<String>) browser.executeScript("return Array.from(document.querySelectorAll("
                + "\"#breakers tbody tr[data-name^='generation']\")).map(tr => tr.getAttribute('data-state'));");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> rejectionsOnPage(ChromeDriver browser) {
        Map<String, Object> shown = (Map<String, Object>) browser.executeScript("const out = {};"
                + "document.querySelectorAll('#rejection-totals tbody tr[data-reason]').forEach(tr =>"
                + " out[tr.getAttribute('data-reason')] = tr.querySelector('td.count').textContent); return out;");
        Map<String, Long> out = new TreeMap<>();
        shown.forEach((reason, count) -> out.put(reason, Long.parseLong((String) count)));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<String> texts(ChromeDriver browser, String css) {
        return (List<String>) browser.executeScript(
                "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);", css);
    }

    /** Pixels of the chart's canvas that are not transparent: lines, points and axes drawn from the data. */
    private static long paintedPixels(ChromeDriver browser, String chartId) {
        Object n = ((JavascriptExecutor) browser).executeScript(
                "const c = document.querySelector('#' + arguments[0] + ' canvas'); if (!c) return 0;"
                        + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                        + "for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n;", chartId);
        return ((Number) n).longValue();
    }

    /** Every URL the page fetched (Resource Timing: scripts, styles, fetch calls, images) and the page itself. */
    @SuppressWarnings("unchecked")
    private static List<String> resourceUrls(ChromeDriver browser) {
        return (List<String>) ((JavascriptExecutor) browser).executeScript(
                "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => e.name);");
    }

    private static void screenshot(ChromeDriver browser) throws IOException {
        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        Files.write(Paths.get("target", "dashboard.png"), png);
        if (Boolean.getBoolean("sluice.docs.write")) {
            Files.write(Paths.get("..", "docs", "dashboard.png"), png);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
