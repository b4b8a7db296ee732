package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import dev.sluice.ingest.admission.Reservation.Status;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;

/** The ages of a task's held reservations: kept by every change, and read from the store in steps when the task starts. */
class HeldAgesTest {
    private static final long T0 = 1_772_445_600_000L; // 2026-03-02T10:00:00Z, a whole minute
    private static final long MINUTE = 60_000;

    /** The admitted-requests store, as admission writes it. */
    private final TreeMap<String, byte[]> store = new TreeMap<>();
    private final HeldAges ages = new HeldAges();

    @Test
    void shouldKnowNothingUntilTheStoreHasBeenReadAndNoneWhenItHoldsNothing() {
        store.put(Reservation.key("alice", "r1"), entry(Status.SETTLED, T0));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);

        assertThat(readStep(10)).isTrue();
        assertThat(ages.oldestAdmittedAt()).as("a charged entry holds no money").isEqualTo(HeldAges.NONE);
    }

    @Test
    void shouldGiveTheMinuteOfTheOldestHeldReservationAndMoveOnWhenItEnds() {
        readStep(10); // an empty store: complete at once
        reserve("alice", "r1", T0 + 20 * MINUTE + 59_999);
        reserve("bob", "r2", T0 + 5 * MINUTE + 1);
        reserve("carol", "r3", T0 + 5 * MINUTE + 30_000);
        assertThat(ages.oldestAdmittedAt()).as("to the minute").isEqualTo(T0 + 5 * MINUTE);

        end("bob", "r2");
        assertThat(ages.oldestAdmittedAt()).as("carol's reservation, same minute").isEqualTo(T0 + 5 * MINUTE);
        end("carol", "r3");
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 + 20 * MINUTE);
        end("alice", "r1");
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
    }

    @Test
    void shouldCountEachHeldEntryOnceWhenItChangesWhileTheStoreIsBeingRead() {
        for (char user = 'a'; user <= 'j'; user++) {
            store.put(Reservation.key(user + "-user", "r"), entry(Status.OUTSTANDING, T0 + (user - 'a') * MINUTE));
        }
        assertThat(readStep(4)).isFalse(); // read a..d
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);

        end("a-user", "r"); // read already: counted here
        end("h-user", "r"); // not read yet: the read sees it charged
        reserve("b-user", "late", T0 - 30 * MINUTE); // before the read position: counted here
        reserve("i-user", "late", T0 - 20 * MINUTE); // after it: the read counts it

        while (!readStep(4)) {
            assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        }
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - 30 * MINUTE);
        end("b-user", "late");
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - 20 * MINUTE);
        end("i-user", "late");
        assertThat(ages.oldestAdmittedAt()).as("b's first; a's ended").isEqualTo(T0 + MINUTE);
        endAll();
    }

    @Test
    void shouldForgetWhatItCountedWhenTheTaskStartsAgainAndReadTheStoreAfresh() {
        readStep(10);
        reserve("alice", "r1", T0);
        ages.reserved(Reservation.key("bob", "aborted"), T0 - MINUTE); // counted, then its transaction aborted: not in the store
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - MINUTE);

        ages.restart();
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        assertThat(readStep(10)).isTrue();
        assertThat(ages.oldestAdmittedAt()).as("what the store holds").isEqualTo(T0);
    }

    @Test
    void shouldAgreeWithTheStoreWhateverTheOrderOfChangesAndReadSteps() {
        Random random = new Random(15);
        for (int round = 0; round < 200; round++) {
            store.clear();
            HeldAges fresh = new HeldAges();
            for (int i = 0; i < random.nextInt(40); i++) {
                store.put(Reservation.key("u" + random.nextInt(8), UUID.randomUUID().toString()),
                        entry(random.nextInt(3) == 0 ? Status.SETTLED : Status.OUTSTANDING, T0 + random.nextInt(30) * 20_000L));
            }
            boolean complete = false;
            while (!complete) {
                if (random.nextBoolean()) {
                    complete = readStep(fresh, 1 + random.nextInt(5));
                } else if (random.nextBoolean()) {
                    String key = Reservation.key("u" + random.nextInt(8), UUID.randomUUID().toString());
                    long at = T0 + random.nextInt(30) * 20_000L;
                    store.put(key, entry(Status.OUTSTANDING, at));
                    fresh.reserved(key, at);
                } else {
                    List<String> held = heldKeys();
                    if (!held.isEmpty()) {
                        end(fresh, held.get(random.nextInt(held.size())));
                    }
                }
                assertThat(fresh.oldestAdmittedAt()).isEqualTo(complete ? oldestInStore() : HeldAges.UNKNOWN);
            }
            // Every held entry ended in a random order: a miscount would leave a minute behind, or empty one too soon.
            List<String> held = heldKeys();
            java.util.Collections.shuffle(held, random);
            for (String key : held) {
                end(fresh, key);
                assertThat(fresh.oldestAdmittedAt()).as("round %d", round).isEqualTo(oldestInStore());
            }
            assertThat(fresh.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
        }
    }

    private void reserve(String user, String requestId, long at) {
        String key = Reservation.key(user, requestId);
        store.put(key, entry(Status.OUTSTANDING, at));
        ages.reserved(key, at);
    }

    private void end(String user, String requestId) {
        end(ages, Reservation.key(user, requestId));
    }

    /** Charges the held entry {@code key}, as the ledger does: the store first, then the ages. */
    private void end(HeldAges to, String key) {
        Reservation r = Reservation.decode(store.get(key));
        store.put(key, r.with(Status.SETTLED, r.admittedAt() + 1).encode());
        to.ended(key, r.admittedAt());
    }

    private void endAll() {
        for (String key : heldKeys()) {
            end(ages, key);
        }
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
    }

    private List<String> heldKeys() {
        List<String> keys = new ArrayList<>();
        store.forEach((k, v) -> {
            if (Reservation.decode(v).status() == Status.OUTSTANDING) {
                keys.add(k);
            }
        });
        return keys;
    }

    private long oldestInStore() {
        return store.values().stream().map(Reservation::decode).filter(r -> r.status() == Status.OUTSTANDING)
                .mapToLong(r -> Math.floorDiv(r.admittedAt(), MINUTE) * MINUTE).min().orElse(HeldAges.NONE);
    }

    private boolean readStep(int budget) {
        return readStep(ages, budget);
    }

    /** One step as the ledger takes it: the store from the last key read on, that key included. */
    private boolean readStep(HeldAges to, int budget) {
        String from = to.resumeAfter();
        return to.read(new Entries(from == null ? store : store.tailMap(from, true)), budget);
    }

    private static byte[] entry(Status status, long admittedAt) {
        return new Reservation(status, 1_000, admittedAt, admittedAt).encode();
    }

    /** A sorted map's entries as a store iterator (a copy, as a RocksDB iterator reads a snapshot). */
    private static final class Entries implements KeyValueIterator<String, byte[]> {
        private final Iterator<Map.Entry<String, byte[]>> it;

        Entries(NavigableMap<String, byte[]> entries) {
            this.it = new ArrayList<>(entries.entrySet()).iterator();
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public KeyValue<String, byte[]> next() {
            Map.Entry<String, byte[]> e = it.next();
            return KeyValue.pair(e.getKey(), e.getValue());
        }

        @Override
        public void close() {}

        @Override
        public String peekNextKey() {
            throw new UnsupportedOperationException();
        }
    }
}
