"""KeyedLocks: one lock per key, and the map empties once no one holds or waits for a key."""

import threading

import pytest

from bot.slack.keyed_locks import KeyedLocks


def test_a_key_is_forgotten_once_its_holder_lets_go():
    locks = KeyedLocks()
    for channel in range(1000):
        with locks(("post next", "T1", f"C{channel}")):
            assert len(locks) == 1
    assert len(locks) == 0


def test_a_failed_try_leaves_nothing_behind_and_a_waiter_keeps_the_key():
    locks = KeyedLocks()
    held = locks("k")
    assert held.acquire()
    assert not locks("k").acquire(blocking=False)
    assert not locks("k").acquire(timeout=0.01)
    assert len(locks) == 1  # only the holder
    got_it = threading.Event()

    def waiter():
        with locks("k"):
            got_it.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    while locks._entries["k"].users < 2:  # the waiter is counted before it blocks
        pass
    held.release()  # the holder lets go: the waiter still needs the same lock, so the key stays
    thread.join(5)
    assert got_it.is_set() and len(locks) == 0


def test_handles_made_before_a_key_was_dropped_still_exclude_each_other():
    locks = KeyedLocks()
    first, second = locks("k"), locks("k")
    with first:
        pass  # the key is dropped here
    assert first.acquire()
    assert not second.acquire(blocking=False)  # the same (new) lock, not one of its own
    first.release()
    assert len(locks) == 0


def test_a_reentrant_key_stays_until_its_last_release_and_another_thread_may_release_a_plain_lock():
    rlocks = KeyedLocks(threading.RLock)
    with rlocks("q"):
        with rlocks("q"):
            pass
        assert len(rlocks) == 1
    assert len(rlocks) == 0

    locks = KeyedLocks()  # a scheduled digest's turn is taken on the job's thread, let go on the posting one
    turn = locks("C1")
    turn.acquire()
    thread = threading.Thread(target=turn.release)
    thread.start()
    thread.join(5)
    assert len(locks) == 0 and locks("C1").acquire(blocking=False)


def test_releasing_an_unheld_key_is_an_error():
    with pytest.raises(RuntimeError):
        KeyedLocks()("nobody").release()
