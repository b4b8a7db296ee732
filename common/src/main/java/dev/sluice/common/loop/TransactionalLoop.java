package dev.sluice.common.loop;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.sluice.common.SafeMessage;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one consume-transform-produce skeleton every transactional stage runs on (enrichment, generation). It owns:
 * the loop thread; poll → {@link RecordHandler#accept} → every {@code commitInterval} (or sooner when the handler
 * says a commit is due, {@link RecordHandler#commitDue}, or a poll finds nothing else to do while a partition waits at
 * {@code maxPendingPerPartition} with its first record decided; never during an abort's back-off) one transaction with the
 * outputs of each partition's contiguous completed prefix (and of the outcomes the handler lets go ahead of it,
 * {@link RecordHandler#publishAhead}) and {@code sendOffsetsToTransaction} (see
 * {@link Transactions} for fencing and abort handling); back-pressure; rebalances; health.
 *
 * <p><b>Failure handling.</b> A handler that throws from {@code accept} (an outage, not a bad record) makes the loop
 * forget what that poll registered, seek every partition of the poll back to its first offset and sleep the retry
 * back-off: the records are read and decided again, nothing is dead-lettered for an outage. A failed transaction
 * is aborted and its decided records published again at the next commit after the back-off (they are not decided
 * again: for generation that would pay a provider call twice). Fencing stops the loop ({@link #failure()}).
 *
 * <p><b>Back-pressure.</b> A plain counter of submitted work not yet decided ({@link #inFlight()}): at
 * {@code maxInFlight} every partition is paused and further submissions wait in a local backlog; a partition with
 * {@code maxPendingPerPartition} uncommitted records, or one its handler is not {@linkplain RecordHandler#ready
 * ready} for, is paused on its own.
 *
 * <p><b>Rebalances.</b> A revoked partition (and every partition when the loop stops) is drained: its queued work is
 * dropped, its running work gets up to {@code drainTimeout}, what completed is committed, and only then is it handed
 * over. A lost partition is forgotten at once (another member owns it already).
 *
 * @param <O> what the stage decides for one record
 */
public final class TransactionalLoop<O> implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(TransactionalLoop.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    /** Where a loop is in its life, for {@code /health}. */
    public enum State { NEW, RUNNING, STOPPED, FAILED }

    private final String name;
    private final Consumer<byte[], byte[]> consumer;
    private final String input;
    private final RecordHandler<O> handler;
    private final LoopSettings settings;
    private final Transactions<O> transactions;
    private final Map<TopicPartition, PartitionProgress<O>> progress = new HashMap<>();
    private final ArrayDeque<Work<O>> backlog = new ArrayDeque<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object completions = new Object();
    private final Intake intake = new Intake();
    private volatile boolean running = true;
    private volatile State state = State.NEW;
    private volatile Throwable failure;
    private volatile String lastPollFailure = "";
    private volatile boolean assigned;
    private long nextCommitNanos;
    /**
     * A poll found nothing to do while a partition waited for a commit at its pending limit: the next iteration
     * commits rather than idle until the interval ends (with a long interval, a backlog would otherwise drain one
     * full partition's worth per interval).
     */
    private boolean idleWhileFull;
    /** The last transaction was aborted: the next waits out the back-off, whatever the handler says. */
    private boolean backingOff;
    private Thread thread;
    /** When the loop last looked at the clock for a stall ({@link #owning}). */
    private long lastAwakeNanos;
    /** Time the handler spent deciding polled records since then: the loop's own work, not a stall. */
    private long handlerNanos;
    /** Set by a stall longer than {@link #STALL}: the group may have moved on without this member knowing yet. */
    private boolean ownershipInDoubt;
    /** The broker refused to confirm it since the stall (logged once per stall). */
    private boolean ownershipDenied;
    /** The stall that put ownership in doubt, until it is logged. */
    private long stalledMillis;
    private volatile int ownershipChecks;
    private long nextOwnershipCheckNanos;
    private volatile boolean leaveOnClose;

    /**
     * A pause of the whole process this long (a stop-the-world GC, a frozen VM, SIGSTOP) may have outlived the consumer's
     * session, so that another member owns the partitions now while this one has not heard yet: no new work is started
     * until the broker confirms ownership or a rebalance settles it. Below the brokers' minimum session timeout (6 s by
     * default); a slow iteration that is not a stall costs one offsets-only transaction.
     */
    static final Duration STALL = Duration.ofSeconds(5);

    /** The longest poll while a partition waits for a commit at its pending limit. */
    static final Duration FULL_POLL = Duration.ofMillis(10);

    private record Work<O>(PartitionProgress<O> owner, PartitionProgress.Slot<O> slot, Supplier<? extends CompletionStage<O>> task) {}

    /**
     * @param name      the stage's name (thread name, logs)
     * @param consumer  built from {@link LoopClients#transactionalConsumer}; the loop subscribes and closes it
     * @param producers builds a producer from {@link LoopClients#transactionalProducer}; called once at start and
     *                  again only when an abort failed (see {@link Transactions})
     */
    public TransactionalLoop(String name, Consumer<byte[], byte[]> consumer, Supplier<? extends Producer<byte[], byte[]>> producers,
                             String input, RecordHandler<O> handler, LoopSettings settings) {
        this.name = name;
        this.consumer = consumer;
        this.input = input;
        this.handler = handler;
        this.settings = settings;
        this.transactions = new Transactions<>(producers, consumer::groupMetadata, handler);
    }

    /**
     * Makes the consumer leave its group when the loop closes, a static member too (by default a static member stays, so
     * that its replacement under the same id takes over without a rebalance; a dynamic one always leaves). Before
     * {@link #start}.
     */
    public TransactionalLoop<O> leavingTheGroupOnClose() {
        this.leaveOnClose = true;
        return this;
    }

    /**
     * Counts this loop's failed transactions on {@code registry}: {@code sluice.<name>.transactions.aborted}, transactions
     * that did not commit and were ended (their records are published again; a fenced one stops the loop instead and
     * is not counted), and {@code sluice.<name>.producers.replaced}, producers replaced because an abort failed too.
     */
    public TransactionalLoop<O> measuredIn(MeterRegistry registry) {
        FunctionCounter.builder("sluice." + name + ".transactions.aborted", transactions, Transactions::aborted)
                .description("Transactions that did not commit and were aborted; their records are published again")
                .register(registry);
        FunctionCounter.builder("sluice." + name + ".producers.replaced", transactions, Transactions::rebuilt)
                .description("Transactional producers replaced because an abort failed too").register(registry);
        return this;
    }

    /** Starts the loop on its own (non-daemon) thread named {@code sluice-<name>-loop}. */
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        thread = new Thread(this, "sluice-" + name + "-loop");
        thread.start();
    }

    @Override
    public void run() {
        state = State.RUNNING;
        try {
            transactions.init();
            consumer.subscribe(List.of(input), new Rebalance());
            nextCommitNanos = System.nanoTime() + settings.commitInterval().toNanos();
            lastAwakeNanos = System.nanoTime();
            while (running) {
                noticeStall(); // a stall anywhere in the last iteration; ownership is asked about only before dispatching
                handler.beforePoll();
                dispatchBacklog();
                if (System.nanoTime() >= nextCommitNanos || (!backingOff && (handler.commitDue() || idleWhileFull))) {
                    commit();
                }
                applyBackPressure();
                try {
                    poll();
                } catch (WakeupException e) {
                    // stop() was called: leave the loop and drain
                }
            }
            drain(List.copyOf(progress.keySet()), "shutdown");
            state = State.STOPPED;
        } catch (Throwable t) {
            failure = t;
            state = State.FAILED;
            log.error("{} loop stopped: {}", name, t.toString());
        } finally {
            closeQuietly();
        }
    }

    /**
     * Whether a partition is paused at {@code maxPendingPerPartition} with its first record decided: only a commit lets
     * it go on.
     */
    private boolean full() {
        for (PartitionProgress<O> p : progress.values()) {
            if (p.waitsForCommit(settings.maxPendingPerPartition())) {
                return true;
            }
        }
        return false;
    }

    private void commit() {
        idleWhileFull = false;
        int before = transactions.rebuilt();
        int n = transactions.commit(progress.values());
        long wait = n == Transactions.ABORTED ? Math.max(settings.retryBackoff().toNanos(), settings.commitInterval().toNanos())
                : settings.commitInterval().toNanos();
        nextCommitNanos = System.nanoTime() + wait;
        backingOff = n == Transactions.ABORTED;
        if (transactions.rebuilt() != before) {
            log.warn("{}: producer replaced after a failed abort", name);
        }
    }

    private void poll() {
        boolean pending = progress.values().stream().anyMatch(p -> p.pending() > 0);
        long untilCommit = Math.max(0, nextCommitNanos - System.nanoTime());
        long timeout = pending ? Math.min(untilCommit, settings.maxPoll().toNanos()) : settings.maxPoll().toNanos();
        boolean full = full();
        if (full) {
            timeout = Math.min(timeout, FULL_POLL.toNanos());
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofNanos(timeout));
        if (records.isEmpty()) {
            idleWhileFull = full;
            return;
        }
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> owned = new LinkedHashMap<>();
        for (TopicPartition tp : records.partitions()) {
            if (progress.containsKey(tp)) {
                owned.put(tp, records.records(tp));
            }
        }
        if (owned.isEmpty()) {
            return;
        }
        long deciding = System.nanoTime();
        try {
            handler.accept(owned, intake);
            lastPollFailure = "";
        } catch (RuntimeException e) {
            rewind(owned, e);
        } finally {
            handlerNanos += System.nanoTime() - deciding;
        }
    }

    /** An outage while deciding a poll: forget it, read it again after the back-off. */
    private void rewind(Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> poll, RuntimeException cause) {
        lastPollFailure = SafeMessage.shown(cause);
        log.warn("{}: {} polled records will be read again in {} ms ({})", name, poll.values().stream().mapToInt(List::size).sum(),
                settings.retryBackoff().toMillis(), lastPollFailure);
        poll.forEach((tp, rs) -> {
            PartitionProgress<O> owner = progress.get(tp);
            if (owner != null) {
                long first = rs.get(0).offset();
                owner.truncateFrom(first);
                backlog.removeIf(w -> w.owner() == owner && w.slot().record().offset() >= first);
                consumer.seek(tp, first);
            }
        });
        try {
            Thread.sleep(settings.retryBackoff().toMillis()); // back-off between retries of an outage
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void dispatchBacklog() {
        while (!backlog.isEmpty() && inFlight.get() < settings.maxInFlight()) {
            if (!owning()) {
                return; // a stalled owner starts nothing until it knows the partitions are still its own
            }
            Work<O> w = backlog.pollFirst();
            if (progress.get(w.owner().partition()) != w.owner()) {
                continue; // partition revoked since the poll
            }
            inFlight.incrementAndGet();
            w.slot().markDispatched();
            CompletionStage<O> started;
            try {
                started = w.task().get();
            } catch (RuntimeException e) {
                started = java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            started.whenComplete((outcome, error) -> {
                inFlight.decrementAndGet();
                w.slot().complete(outcome != null ? outcome
                        : handler.failed(w.slot().record(), error != null ? error : new IllegalStateException("no outcome")));
                synchronized (completions) {
                    completions.notifyAll();
                }
            });
        }
    }

    /**
     * False while a stall longer than {@link #STALL} has put ownership in doubt and the broker has not confirmed it
     * (checked at most once per retry back-off, with an offsets-only transaction of the partitions holding work).
     */
    private boolean owning() {
        long now = noticeStall();
        if (!ownershipInDoubt) {
            return true;
        }
        if (now < nextOwnershipCheckNanos) {
            return false;
        }
        Map<TopicPartition, OffsetAndMetadata> held = new HashMap<>();
        progress.forEach((tp, p) -> {
            if (p.pending() > 0) {
                held.put(tp, new OffsetAndMetadata(p.firstPendingOffset()));
            }
        });
        if (held.isEmpty()) {
            ownershipInDoubt = false; // nothing held, nothing to start: the next rebalance or poll says what is ours
            return true;
        }
        if (stalledMillis > 0) {
            log.warn("{}: the loop was stalled for {} ms; starting no new work until the broker confirms it still owns partitions {}",
                    name, stalledMillis, held.keySet());
            stalledMillis = 0;
        }
        ownershipChecks++;
        if (transactions.confirmOwnership(held)) {
            ownershipInDoubt = false;
            ownershipDenied = false;
            return true;
        }
        if (!ownershipDenied) {
            ownershipDenied = true;
            log.warn("{}: the group has moved on without this member (partitions {}); their work waits for the rebalance", name, held.keySet());
        }
        nextOwnershipCheckNanos = now + settings.retryBackoff().toNanos();
        return false;
    }

    /** Puts ownership in doubt if the loop was away longer than {@link #STALL} (not counting the handler's work); returns now. */
    private long noticeStall() {
        long now = System.nanoTime();
        long stalled = now - lastAwakeNanos - handlerNanos;
        if (stalled > STALL.toNanos()) {
            ownershipInDoubt = true;
            stalledMillis = stalled / 1_000_000;
        }
        lastAwakeNanos = now;
        handlerNanos = 0;
        return now;
    }

    /** How often the broker was asked to confirm ownership after a stall (tests). */
    int ownershipChecks() {
        return ownershipChecks;
    }

    private void applyBackPressure() {
        boolean full = !backlog.isEmpty() || inFlight.get() >= settings.maxInFlight();
        Set<TopicPartition> paused = consumer.paused();
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionProgress<O> p : progress.values()) {
            boolean shouldPause = full || p.pending() >= settings.maxPendingPerPartition() || !handler.ready(p.partition());
            if (shouldPause && !paused.contains(p.partition())) {
                pause.add(p.partition());
            } else if (!shouldPause && paused.contains(p.partition())) {
                resume.add(p.partition());
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    /** Hands {@code partitions} over: drops their queued work, waits (bounded) for running work, commits. */
    private void drain(Collection<TopicPartition> partitions, String reason) {
        if (partitions.isEmpty()) {
            return;
        }
        Set<TopicPartition> gone = new HashSet<>(partitions);
        backlog.removeIf(w -> gone.contains(w.owner().partition()));
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        int waiting = inFlight(gone);
        if (waiting > 0) {
            log.info("{}: draining {} in-flight tasks of {} partitions before hand-over ({})", name, waiting, gone.size(), reason);
        }
        while (waiting > 0 && System.nanoTime() < deadline) {
            transactions.commit(progress.values());
            awaitCompletion(Math.min(deadline - System.nanoTime(), Math.max(1_000_000, settings.commitInterval().toNanos())));
            waiting = inFlight(gone);
        }
        transactions.commit(progress.values());
        int abandoned = inFlight(gone);
        if (abandoned > 0) {
            handler.abandoned(reason, abandoned);
            log.warn("{}: {} tasks still running after the drain timeout of {} ms abandoned ({}): the next owner redoes them",
                    name, abandoned, settings.drainTimeout().toMillis(), reason);
        }
    }

    private int inFlight(Set<TopicPartition> partitions) {
        int n = 0;
        for (TopicPartition tp : partitions) {
            PartitionProgress<O> p = progress.get(tp);
            n += p == null ? 0 : p.inFlight();
        }
        return n;
    }

    private void awaitCompletion(long nanos) {
        if (nanos <= 0) {
            return;
        }
        synchronized (completions) {
            try {
                completions.wait(Math.max(1, nanos / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stops the loop: it drains in-flight work (bounded), publishes what is complete and closes its clients. */
    public void stop() {
        running = false;
        consumer.wakeup();
    }

    /** {@link #stop()}, then waits up to {@code timeout} for the loop thread to end. */
    public void stopAndJoin(Duration timeout) {
        stop();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public State state() {
        return state;
    }

    /** The error that stopped the loop, or null. */
    public Throwable failure() {
        return failure;
    }

    /** The loop is running or not started yet, and its thread (once started) is alive. */
    public boolean live() {
        Thread t = thread;
        return state != State.FAILED && (t == null || t.isAlive() || state == State.NEW);
    }

    /**
     * The last retried failure (a poll rewound, a transaction aborted), empty once work succeeds again or, for a
     * transaction, once the partitions it could not publish for are gone with nothing else waiting.
     */
    public String lastFailure() {
        String poll = lastPollFailure;
        return poll.isEmpty() ? transactions.lastFailure() : poll;
    }

    /** Partitions are assigned to this loop. */
    public boolean assigned() {
        return assigned;
    }

    /** Submitted work running now (the back-pressure counter). */
    public int inFlight() {
        return inFlight.get();
    }

    private void closeQuietly() {
        try {
            // consumer first: its revocation callback commits through the producer
            consumer.close(leaveOnClose
                    ? CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP).withTimeout(CLOSE_TIMEOUT)
                    : CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            log.debug("{}: consumer close failed: {}", name, e.getClass().getSimpleName());
        }
        transactions.close();
        handler.close();
    }

    private final class Intake implements RecordHandler.Intake<O> {
        @Override
        public PartitionProgress.Slot<O> register(ConsumerRecord<byte[], byte[]> record) {
            PartitionProgress<O> owner = progress.get(new TopicPartition(record.topic(), record.partition()));
            if (owner == null) {
                throw new IllegalStateException("record of a partition this loop does not own: " + record.topic() + "-" + record.partition());
            }
            return owner.register(record);
        }

        @Override
        public void submit(PartitionProgress.Slot<O> slot, Supplier<? extends CompletionStage<O>> work) {
            ConsumerRecord<byte[], byte[]> r = slot.record();
            backlog.addLast(new Work<>(progress.get(new TopicPartition(r.topic(), r.partition())), slot, work));
        }

        @Override
        public void rewind(TopicPartition partition, long offset) {
            consumer.seek(partition, offset);
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (failure == null) {
                drain(partitions, "revoked");
            }
            forget(partitions);
            settled();
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // another member owns them already (this one missed its session timeout): nothing of ours may be committed
            log.warn("{}: partitions {} lost to another member; their {} in-flight tasks and queued records are dropped, none committed",
                    name, partitions, inFlight(new HashSet<>(partitions)));
            forget(partitions);
            settled();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tp -> progress.put(tp, new PartitionProgress<>(tp)));
            handler.assigned(partitions);
            List<TopicPartition> notReady = partitions.stream().filter(tp -> !handler.ready(tp)).toList();
            if (!notReady.isEmpty()) {
                consumer.pause(notReady); // until the handler is ready for them
            }
            assigned = !progress.isEmpty();
            settled();
        }

        /** A rebalance settles who owns what: nothing is in doubt any more. */
        private void settled() {
            ownershipInDoubt = false;
            ownershipDenied = false;
            stalledMillis = 0;
            lastAwakeNanos = System.nanoTime();
            handlerNanos = 0;
        }

        private void forget(Collection<TopicPartition> partitions) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            progress.keySet().removeAll(gone);
            backlog.removeIf(w -> gone.contains(w.owner().partition()));
            handler.released(partitions);
            assigned = !progress.isEmpty();
            if (progress.values().stream().allMatch(p -> p.pending() == 0)) {
                transactions.forgetFailure(); // what failed to publish went with the partitions
            }
        }
    }
}
