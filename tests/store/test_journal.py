"""The click journal on real files: slots, sequence numbers, torn slots, dead processes' files, marks."""

import os
import struct
import threading
import zlib

import pytest

from store import journal, open_store
from store.journal import MAX_FRAGMENTS, MAX_PAYLOAD, SLOT, Journal, fragments, orphans, read_orphan

HEADER_SIZE = SLOT - MAX_PAYLOAD


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "bot.db")
    yield store
    store.close()


@pytest.fixture
def directory(tmp_path):
    return tmp_path / "bot.db-clicks"


def corrupt_slot(path, seq):
    """Flip the first payload byte of slot `seq` on disk, as a write cut short by a killed process leaves it."""
    with open(path, "r+b") as f:
        f.seek((seq - 1) * SLOT + HEADER_SIZE)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def test_records_read_back_in_order_with_their_sequence_numbers(directory):
    j = Journal(directory)
    try:
        assert j.read(0) == []  # a new file holds nothing, not zeroed slots
        assert [j.append(p) for p in (b"first", b"", "été".encode())] == [1, 2, 3]
        assert j.read(0) == [(1, b"first"), (2, b""), (3, "été".encode())]
        assert j.read(1) == [(2, b""), (3, "été".encode())]  # `after` is the last one applied
        assert j.read(3) == []
        assert f"-{os.getpid()}-" in j.path.name and j.path.suffix == ".journal"
    finally:
        j.close(delete=True)


def test_4000_appends_from_20_threads_get_distinct_numbers_and_all_read_back(directory):
    """Two threads must never share a slot, or a click is silently overwritten."""
    j = Journal(directory)
    barrier = threading.Barrier(20)
    got: dict[int, list[int | None]] = {}

    def writer(n):
        barrier.wait()
        got[n] = [j.append(f"{n}:{i}".encode()) for i in range(200)]

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    try:
        numbers = [seq for seqs in got.values() for seq in seqs]
        assert sorted(numbers) == list(range(1, 4001))
        records = j.read(0)
        assert [seq for seq, _ in records] == list(range(1, 4001))
        by_seq = dict(records)
        for n, seqs in got.items():  # each number holds the payload of the append that returned it
            assert [by_seq[seq] for seq in seqs] == [f"{n}:{i}".encode() for i in range(200)]
    finally:
        j.close(delete=True)


def test_a_record_longer_than_a_slot_takes_consecutive_slots_and_reads_back_whole(directory):
    """A thread reply's text can be 40,000 characters: it is journaled in parts, one per slot."""
    j = Journal(directory)
    long = "讨论：算力是瓶颈吗？".encode() * 60  # 1,800 bytes: 8 slots
    try:
        assert fragments(len(long)) == 8
        assert j.append(b"short") == 1
        assert j.append(long) == 9  # its last slot: the mark once it is applied
        assert j.append(b"y" * MAX_PAYLOAD) == 10  # exactly the room a slot has is one slot
        assert j.read(0) == [(1, b"short"), (9, long), (10, b"y" * MAX_PAYLOAD)]
        assert j.read(1) == [(9, long), (10, b"y" * MAX_PAYLOAD)]  # `after` a mark is the next record's start
        assert j.read(9) == [(10, b"y" * MAX_PAYLOAD)]
        assert read_orphan(j.path) == j.read(0)  # and so on disk
    finally:
        j.close(delete=True)


def test_a_record_too_long_for_any_journal_is_refused_without_taking_a_slot(directory):
    j = Journal(directory)
    try:
        assert not j.fits(MAX_FRAGMENTS * MAX_PAYLOAD + 1)
        assert j.append(b"x" * (MAX_FRAGMENTS * MAX_PAYLOAD + 1)) is None
        assert j.append(b"x" * (MAX_FRAGMENTS * MAX_PAYLOAD)) == MAX_FRAGMENTS  # the longest that fits
        assert j.append(b"after") == MAX_FRAGMENTS + 1
    finally:
        j.close(delete=True)


def test_long_and_short_records_from_20_threads_never_overlap(directory):
    """Slots are taken under a lock: a long record's parts are consecutive however the threads interleave."""
    j = Journal(directory)
    barrier = threading.Barrier(20)
    got: dict[int, list[tuple[int | None, bytes]]] = {}

    def writer(n):
        barrier.wait()
        payloads = [(f"{n}:{i}:" + "x" * (i % 7) * 150).encode() for i in range(60)]
        got[n] = [(j.append(p), p) for p in payloads]

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    try:
        by_seq = dict(j.read(0))
        assert len(by_seq) == 20 * 60
        for written in got.values():
            for seq, payload in written:
                assert by_seq[seq] == payload
    finally:
        j.close(delete=True)


def test_a_torn_part_loses_its_record_only_and_typed_words_are_never_read_as_a_record(directory):
    """A dead process's torn record is skipped part by part. Its text is someone's reply: words shaped like
    a slot's header at a slot boundary must not be taken for a record (a pickled one would be run)."""
    j = Journal(directory)
    forged = struct.pack("<QIH", 3, zlib.crc32(b"evil"), 4) + b"evil"
    # where slot 3 would start if the record were written in one piece from slot 2, and one part later
    long = b"a" * MAX_PAYLOAD + forged + b"b" * (SLOT - len(forged)) + forged + b"c" * 300
    try:
        j.append(b"one")
        last = j.append(long)
        j.append(b"after")
        corrupt_slot(j.path, 2)  # the long record's first part
        assert j.read(0) == [(1, b"one")]  # live, it may still be being written: reading waits there
        assert read_orphan(j.path) == [(1, b"one"), (last + 1, b"after")]
    finally:
        j.close(delete=True)


def test_a_long_record_that_does_not_fit_the_rest_of_the_file_leaves_it_full(directory):
    """The next journal takes it (bot/ingest/clicks.py); the slots it took here hold nothing and do not
    hold up reading."""
    j = Journal(directory, slots=4)
    try:
        assert j.append(b"a") == 1
        assert j.append(b"b" * (MAX_PAYLOAD * 3 + 1)) is None  # 4 slots, 3 left
        assert j.append(b"c") is None  # full
        assert j.read(0) == [(1, b"a"), (2, b""), (3, b""), (4, b"")]
    finally:
        j.close(delete=True)


def test_a_full_journal_refuses_appends_and_keeps_what_it_holds(directory):
    j = Journal(directory, slots=3)
    try:
        assert [j.append(b"a"), j.append(b"b"), j.append(b"c")] == [1, 2, 3]
        assert j.append(b"d") is None
        assert j.append(b"e") is None
        assert j.read(0) == [(1, b"a"), (2, b"b"), (3, b"c")]
        assert os.path.getsize(j.path) == 3 * SLOT
    finally:
        j.close(delete=True)


def test_a_torn_slot_stops_the_live_read_but_not_the_orphan_read(directory):
    """Live, a bad slot may still be being written, so reading waits there; for a dead process it never
    will be, and the acknowledged records after it must not be lost."""
    j = Journal(directory)
    try:
        for payload in (b"one", b"two", b"three", b"four"):
            j.append(payload)
        corrupt_slot(j.path, 2)
        assert j.read(0) == [(1, b"one")]
        assert read_orphan(j.path) == [(1, b"one"), (3, b"three"), (4, b"four")]
    finally:
        j.close(delete=True)


def test_an_unwritten_slot_between_written_ones_is_skipped_by_the_orphan_read(directory):
    """A thread took number 2 and the process died before it wrote the slot."""
    j = Journal(directory, slots=8)
    j.append(b"one")
    j.append(b"two")
    j.append(b"three")
    j.close()
    with open(j.path, "r+b") as f:
        f.seek(SLOT)
        f.write(bytes(SLOT))
    assert read_orphan(j.path) == [(1, b"one"), (3, b"three")]


def test_orphans_lists_a_journal_only_once_its_owner_has_let_go(directory):
    live = Journal(directory)
    dead = Journal(directory)
    dead.append(b"kept")
    assert list(orphans(directory)) == []  # both are held (the same process counts: flock is per open file)
    dead.close()  # the process died: the file stays, its lock is gone
    assert list(orphans(directory)) == [dead.path]
    assert read_orphan(dead.path) == [(1, b"kept")]
    live.close(delete=True)
    assert not live.path.exists()
    assert list(orphans(directory)) == [dead.path]


def test_orphans_never_lists_a_file_still_being_made(directory):
    """`<name>.new` is locked only once its creator has it open; before the rename it is not a journal."""
    directory.mkdir()
    (directory / "123-abcdef.new").write_bytes(bytes(SLOT))
    (directory / "124-abcdef.journal.new").write_bytes(bytes(SLOT))
    assert list(orphans(directory)) == []


def test_orphans_of_a_missing_directory_is_nothing_and_creates_nothing(tmp_path):
    missing = tmp_path / "never-made"
    assert list(orphans(missing)) == []
    assert not missing.exists()


def test_an_orphan_is_locked_while_it_is_being_applied(directory):
    """Two processes starting together must not both apply the same dead journal."""
    Journal(directory).close()
    first = orphans(directory)
    taken = next(first)
    assert list(orphans(directory)) == []  # the other starter skips it
    first.close()  # done with it: the lock goes
    assert list(orphans(directory)) == [taken]


def test_a_journal_deleted_while_orphans_are_listed_is_skipped(directory):
    """Another process may apply (and delete) a journal while this one lists them at start-up; the start
    must go on. A dangling symlink is a journal that is gone by the time it is looked at."""
    dead = Journal(directory)
    dead.append(b"kept")
    dead.close()
    (directory / "999-gone.journal").symlink_to(directory / "999-deleted-meanwhile")
    assert list(orphans(directory)) == [dead.path]


def test_marks_round_trip_per_journal(store):
    assert journal.applied(store, "1-a.journal") == 0  # never applied: start from the beginning
    journal.mark_applied(store, "1-a.journal", 5)
    journal.mark_applied(store, "2-b.journal", 2)
    journal.mark_applied(store, "1-a.journal", 9)  # moves forward in place
    assert journal.applied(store, "1-a.journal") == 9
    assert journal.applied(store, "2-b.journal") == 2
    journal.forget(store, "1-a.journal")
    assert journal.applied(store, "1-a.journal") == 0
    assert journal.applied(store, "2-b.journal") == 2
    assert store.rows("SELECT journal FROM journal_marks") == [{"journal": "2-b.journal"}]


def test_a_mark_set_inside_a_rolled_back_transaction_is_not_kept(store):
    """The mark shares the records' transaction: if they are not applied, neither is it."""
    with pytest.raises(RuntimeError):
        with store.write():
            journal.mark_applied(store, "1-a.journal", 7)
            raise RuntimeError("the batch failed")
    assert journal.applied(store, "1-a.journal") == 0
