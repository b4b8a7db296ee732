package dev.sluice.ingest.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import dev.sluice.ingest.admission.Reservation.Status;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;

/**
 * The ages of a task's held reservations: kept by every change, and read when the task starts from the entries of the
 * users whose money is held, in steps, while changes go on.
 */
class HeldAgesTest {
    private static final long T0 = 1_772_445_600_000L; // 2026-03-02T10:00:00Z, a whole minute
    private static final long MINUTE = 60_000;

    /** The admitted-requests store, as admission writes it. */
    private final TreeMap<String, byte[]> store = new TreeMap<>();
    private final HeldAges ages = new HeldAges();

    @Test
    void shouldKnowNothingUntilTheHeldUsersEntriesAreReadAndNoneWhenNothingIsHeld() {
        store.put(Reservation.key("alice", "r1"), entry(Status.OUTSTANDING, T0, 1_000));
        start(ages);
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        assertThat(readStep(ages, 10)).isTrue();
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0);

        store.clear();
        store.put(Reservation.key("bob", "r2"), entry(Status.SETTLED, T0, 1_000));
        start(ages);
        assertThat(ages.oldestAdmittedAt()).as("a charged entry holds no money: nothing to read").isEqualTo(HeldAges.NONE);
    }

    @Test
    void shouldGiveTheMinuteOfTheOldestHeldReservationAndMoveOnWhenItEnds() {
        start(ages); // an empty store: complete at once
        reserve("alice", "r1", T0 + 20 * MINUTE + 59_999);
        reserve("bob", "r2", T0 + 5 * MINUTE + 1);
        reserve("carol", "r3", T0 + 5 * MINUTE + 30_000);
        assertThat(ages.oldestAdmittedAt()).as("to the minute").isEqualTo(T0 + 5 * MINUTE);

        end(ages, Reservation.key("bob", "r2"));
        assertThat(ages.oldestAdmittedAt()).as("carol's reservation, same minute").isEqualTo(T0 + 5 * MINUTE);
        end(ages, Reservation.key("carol", "r3"));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 + 20 * MINUTE);
        end(ages, Reservation.key("alice", "r1"));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
    }

    @Test
    void shouldCountEachHeldEntryOnceWhenItChangesWhileTheStoreIsBeingRead() {
        for (char user = 'a'; user <= 'j'; user++) {
            store.put(Reservation.key(user + "-user", "r"), entry(Status.OUTSTANDING, T0 + (user - 'a') * MINUTE, 1_000));
        }
        start(ages);
        assertThat(readStep(ages, 4)).isFalse(); // read a..d
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);

        end(ages, Reservation.key("a-user", "r")); // read already: counted here
        end(ages, Reservation.key("h-user", "r")); // not read yet: the read sees it charged
        reserve("b-user", "late", T0 - 30 * MINUTE); // a user read already: counted here
        reserve("i-user", "late", T0 - 20 * MINUTE); // a user not read yet: the read counts it
        reserve("new-user", "r", T0 - 40 * MINUTE); // held nothing at the start, so never read: counted here

        while (!readStep(ages, 4)) {
            assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        }
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - 40 * MINUTE);
        end(ages, Reservation.key("new-user", "r"));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - 30 * MINUTE);
        end(ages, Reservation.key("b-user", "late"));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - 20 * MINUTE);
        end(ages, Reservation.key("i-user", "late"));
        assertThat(ages.oldestAdmittedAt()).as("b's first; a's ended").isEqualTo(T0 + MINUTE);
        endAll(ages);
    }

    @Test
    void shouldCountANewEntryOfAUserReadToTheEndBeforeTheNextUserIsReached() {
        store.put(Reservation.key("alice", "00-first"), entry(Status.OUTSTANDING, T0, 1_000));
        store.put(Reservation.key("bob", "r"), entry(Status.OUTSTANDING, T0 + MINUTE, 1_000));
        start(ages);
        ages.read(new Entries(store.tailMap(ages.nextFrom(), true)), 10); // alice's keys end at bob's: alice is done
        reserve("alice", "zz-later", T0 - MINUTE); // after alice's last key read, before bob's: the read will not come back
        while (!readStep(ages, 10)) {
            assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        }
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - MINUTE);
        endAll(ages);
    }

    @Test
    void shouldLeaveOutEntriesThatHoldNoMoney() {
        store.put(Reservation.key("alice", "r1"), entry(Status.OUTSTANDING, T0, 1_000));
        store.put(Reservation.key("bob", "free"), entry(Status.OUTSTANDING, T0, 0)); // a free model: bob's state holds nothing
        start(ages);
        readStep(ages, 10);
        end(ages, Reservation.key("bob", "free"));
        assertThat(ages.oldestAdmittedAt()).as("alice's, in the same minute, still held").isEqualTo(T0);
        reserve("bob", "free-again", T0 - MINUTE, 0);
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0);
        end(ages, Reservation.key("alice", "r1"));
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
    }

    @Test
    void shouldForgetWhatItCountedWhenTheTaskStartsAgainAndReadTheStoreAfresh() {
        start(ages);
        reserve("alice", "r1", T0);
        ages.reserved("bob", Reservation.key("bob", "aborted"), T0 - MINUTE, 1_000); // its transaction aborted: not in the store
        assertThat(ages.oldestAdmittedAt()).isEqualTo(T0 - MINUTE);

        start(ages);
        assertThat(ages.oldestAdmittedAt()).isEqualTo(HeldAges.UNKNOWN);
        assertThat(readStep(ages, 10)).isTrue();
        assertThat(ages.oldestAdmittedAt()).as("what the store holds").isEqualTo(T0);
    }

    @Test
    void shouldAgreeWithTheStoreWhateverTheOrderOfChangesAndReadSteps() {
        Random random = new Random(15);
        // user ids where one is a prefix of another ("u1", "u1.x"), so their keys' order differs from the ids' order
        String[] users = {"u1", "u1.x", "u1-a", "u10", "u2", "u2:z", "v", "v@w"};
        for (int round = 0; round < 300; round++) {
            store.clear();
            HeldAges fresh = new HeldAges();
            for (int i = 0; i < random.nextInt(40); i++) {
                store.put(Reservation.key(users[random.nextInt(users.length)], UUID.randomUUID().toString()),
                        entry(random.nextInt(3) == 0 ? Status.SETTLED : Status.OUTSTANDING, T0 + random.nextInt(30) * 20_000L,
                                random.nextInt(5) == 0 ? 0 : 1_000));
            }
            start(fresh);
            boolean complete = fresh.nextFrom() == null;
            while (!complete) {
                if (random.nextBoolean()) {
                    complete = readStep(fresh, 1 + random.nextInt(5));
                } else if (random.nextBoolean()) {
                    String user = users[random.nextInt(users.length)];
                    String key = Reservation.key(user, UUID.randomUUID().toString());
                    long at = T0 + random.nextInt(30) * 20_000L;
                    long amount = random.nextInt(5) == 0 ? 0 : 1_000;
                    store.put(key, entry(Status.OUTSTANDING, at, amount));
                    fresh.reserved(user, key, at, amount);
                } else {
                    List<String> held = heldKeys();
                    if (!held.isEmpty()) {
                        end(fresh, held.get(random.nextInt(held.size())));
                    }
                }
                assertThat(fresh.oldestAdmittedAt()).as("round %d", round).isEqualTo(complete ? oldestInStore() : HeldAges.UNKNOWN);
            }
            // Every held entry ended in a random order: a miscount would leave a minute behind, or empty one too soon.
            List<String> held = heldKeys();
            Collections.shuffle(held, random);
            for (String key : held) {
                end(fresh, key);
                assertThat(fresh.oldestAdmittedAt()).as("round %d", round).isEqualTo(oldestInStore());
            }
            assertThat(fresh.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
        }
    }

    /** What a task start does: the users whose state holds money (some held entry with money) are read afresh. */
    private void start(HeldAges to) {
        TreeSet<String> holding = new TreeSet<>();
        store.forEach((k, v) -> {
            Reservation r = Reservation.decode(v);
            if (r.status() == Status.OUTSTANDING && r.amountMicros() > 0) {
                holding.add(k.substring(0, k.indexOf('|')));
            }
        });
        to.restart(holding);
    }

    private void reserve(String user, String requestId, long at) {
        reserve(user, requestId, at, 1_000);
    }

    private void reserve(String user, String requestId, long at, long amount) {
        String key = Reservation.key(user, requestId);
        store.put(key, entry(Status.OUTSTANDING, at, amount));
        ages.reserved(user, key, at, amount);
    }

    /** Charges the held entry {@code key}, as the ledger does: the ages, then the store. */
    private void end(HeldAges to, String key) {
        Reservation r = Reservation.decode(store.get(key));
        to.ended(key.substring(0, key.indexOf('|')), key, r.admittedAt(), r.amountMicros());
        store.put(key, r.with(Status.SETTLED, r.admittedAt() + 1).encode());
    }

    private void endAll(HeldAges to) {
        for (String key : heldKeys()) {
            end(to, key);
        }
        assertThat(to.oldestAdmittedAt()).isEqualTo(HeldAges.NONE);
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
        return store.values().stream().map(Reservation::decode).filter(r -> r.status() == Status.OUTSTANDING && r.amountMicros() > 0)
                .mapToLong(r -> Math.floorDiv(r.admittedAt(), MINUTE) * MINUTE).min().orElse(HeldAges.NONE);
    }

    /** One step as the ledger takes it ({@link ReservationLedger#readHeldAges}), on the map. */
    private boolean readStep(HeldAges to, int budget) {
        int left = budget;
        for (String from = to.nextFrom(); from != null && left > 0; from = to.nextFrom()) {
            left -= to.read(new Entries(store.tailMap(from, true)), left);
        }
        return to.nextFrom() == null;
    }

    private static byte[] entry(Status status, long admittedAt, long amount) {
        return new Reservation(status, amount, admittedAt, admittedAt).encode();
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
