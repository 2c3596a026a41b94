"""Plans and posts in a real SQLite file: claims are exclusive across threads, connections and processes."""

import multiprocessing
import threading

from store import deliveries, open_store, plans


def new_plan(store, channel="C1", **kw):
    args = dict(pack_id="sample", language="en", days="mon", post_time="09:30", timezone="UTC", created_by="U1")
    args.update(kw)
    return plans.ensure(store, "T1", channel, **args)


def test_migrations_apply_once_and_reopen_cleanly(tmp_path):
    path = tmp_path / "bot.db"
    store = open_store(path)
    new_plan(store)
    store.close()
    again = open_store(path)  # re-applying is a no-op and keeps the data
    assert plans.get(again, "T1", "C1").pack_id == "sample"
    assert again.value("PRAGMA journal_mode") == "wal"


def test_a_slot_is_claimed_once_and_the_plan_advances_once(tmp_path):
    store = open_store(tmp_path / "bot.db")
    new_plan(store)
    first = plans.claim_next(store, "T1", "C1", slot="2026-06-01", item_count=5)
    assert first is not None and first.item_index == 0
    assert plans.claim_next(store, "T1", "C1", slot="2026-06-01", item_count=5) is None
    assert plans.get(store, "T1", "C1").next_index == 1
    second = plans.claim_next(store, "T1", "C1", slot="2026-06-02", item_count=5)
    assert second.item_index == 1


def test_released_claim_gives_the_item_back(tmp_path):
    store = open_store(tmp_path / "bot.db")
    new_plan(store)
    claim = plans.claim_next(store, "T1", "C1", slot="2026-06-01", item_count=5)
    plans.release(store, claim)
    assert plans.get(store, "T1", "C1").next_index == 0
    retry = plans.claim_next(store, "T1", "C1", slot="2026-06-01", item_count=5)
    assert retry is not None and retry.item_index == 0


def test_restart_starts_a_new_run_so_items_can_be_posted_again(tmp_path):
    store = open_store(tmp_path / "bot.db")
    new_plan(store)
    for day in range(1, 4):
        plans.claim_next(store, "T1", "C1", slot=f"2026-06-0{day}", item_count=3)
    assert plans.claim_next(store, "T1", "C1", slot="2026-06-04", item_count=3) is None  # finished
    plans.restart(store, "T1", "C1")
    again = plans.claim_next(store, "T1", "C1", slot="2026-06-05", item_count=3)
    assert again.item_index == 0 and again.plan.run == 2


def test_many_threads_on_separate_connections_claim_each_slot_once(tmp_path):
    path = tmp_path / "bot.db"
    new_plan(open_store(path))
    stores = [open_store(path) for _ in range(4)]  # as separate processes would: separate connections
    won, barrier = [], threading.Barrier(16)

    def race(i):
        barrier.wait()
        for day in range(1, 6):
            claim = plans.claim_next(stores[i % 4], "T1", "C1", slot=f"2026-06-0{day}", item_count=10)
            if claim:
                won.append((day, claim.item_index))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(d for d, _ in won) == [1, 2, 3, 4, 5]
    assert sorted(i for _, i in won) == [0, 1, 2, 3, 4]


def _claim_in_process(path, slot, results):
    store = open_store(path)
    claim = plans.claim_next(store, "T1", "C1", slot=slot, item_count=10)
    results.put(None if claim is None else claim.item_index)


def test_two_processes_racing_for_the_same_slot_post_once(tmp_path):
    path = tmp_path / "bot.db"
    new_plan(open_store(path))
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    procs = [ctx.Process(target=_claim_in_process, args=(path, "2026-06-01", results)) for _ in range(3)]
    [p.start() for p in procs]
    [p.join(30) for p in procs]
    outcomes = [results.get(timeout=5) for _ in procs]
    assert sorted(outcomes, key=lambda x: (x is not None, x)) == [None, None, 0]


def test_a_delivery_is_handled_once_per_team(tmp_path):
    store = open_store(tmp_path / "bot.db")
    assert deliveries.claim(store, "T1", "event:Ev1") is True
    assert deliveries.claim(store, "T1", "event:Ev1") is False
    assert deliveries.claim(store, "T2", "event:Ev1") is True  # another workspace's delivery
    assert deliveries.prune(store, older_than=float("inf")) == 2
    assert deliveries.claim(store, "T1", "event:Ev1") is True



def test_a_due_batch_is_claimed_from_the_plans_as_they_stand_inside_its_transaction(tmp_path):
    """A schedule's run reads its plans before taking the write lock; one moved meanwhile (a `/digest next`,
    here from another connection) is still claimed, at the item it has moved on to."""
    store = open_store(tmp_path / "bot.db")
    for channel in ("C1", "C2", "C3"):
        new_plan(store, channel)
    keys = [("T1", "C1"), ("T1", "C2"), ("T1", "C3")]
    read_before = plans.get_many(store, keys)
    plans.claim_next(open_store(tmp_path / "bot.db"), "T1", "C2", slot="now:meanwhile", item_count=5)
    assert read_before[("T1", "C2")].next_index == 0

    claims = plans.claim_due(store, keys, lambda plan: None if plan.channel_id == "C3" else "2026-06-01")
    assert [(c.plan.channel_id, c.item_index, c.slot) for c in claims] == [
        ("C1", 0, "2026-06-01"), ("C2", 1, "2026-06-01")]
    assert plans.get(store, "T1", "C3").next_index == 0  # not due: not claimed
    # the same slot again (a second process, the catch-up): nothing, and no plan moves
    assert plans.claim_due(store, keys[:2], lambda plan: "2026-06-01") == []
    assert [plans.get(store, "T1", c).next_index for c in ("C1", "C2")] == [1, 2]


def test_plans_are_read_by_key_beyond_one_read_s_parameter_limit(tmp_path):
    store = open_store(tmp_path / "bot.db")
    channels = [f"C{i:04d}" for i in range(1000)]  # three reads of at most 450 keys
    for channel in channels:
        new_plan(store, channel)
    found = plans.get_many(store, [("T1", c) for c in channels] + [("T1", "CNONE"), ("T2", "C0001")])
    assert sorted(found) == [("T1", c) for c in channels]
    assert found[("T1", "C0999")].channel_id == "C0999"


def test_plans_as_read_are_claimed_in_one_statement_and_any_changed_since_is_left_to_be_read_again(tmp_path):
    """A schedule's run claims its batch from the plans it read (bot/scheduler.py). A plan another process
    changed in between (paused, its language switched, its slot claimed) is not claimed from the old read:
    it is handed back, and judged again from a fresh read, it posts in its new language or not at all."""
    store = open_store(tmp_path / "bot.db")
    other = open_store(tmp_path / "bot.db")  # another process on the same file
    channels = [f"C{i:03d}" for i in range(160)]  # two statements of at most 150 plans
    for channel in channels:
        new_plan(store, channel)
        plans.set_paused(store, "T1", channel, False, now=0)  # running, as a schedule's plans are
    read = plans.get_many(store, [("T1", c) for c in channels])
    plans.set_paused(other, "T1", "C001", True)
    plans.set_language(other, "T1", "C002", "zh-Hant")
    plans.claim_next(other, "T1", "C003", slot="2026-06-01", item_count=5)

    claims, changed = plans.claim_as_read(store, [(read[("T1", c)], "2026-06-01") for c in channels])
    assert sorted(changed) == [("T1", "C001"), ("T1", "C002"), ("T1", "C003")]
    rows = {r["channel_id"]: r for r in plans.posts(store, "T1")}
    assert len(claims) == 157 and all(rows[c.plan.channel_id]["id"] == c.post_id for c in claims)
    assert all(c.item_index == 0 and c.slot == "2026-06-01" for c in claims)
    assert all(plans.get(store, "T1", c.plan.channel_id).next_index == 1 for c in claims)

    again = plans.claim_due(store, changed, lambda plan: None if plan.paused else "2026-06-01")
    assert [(c.plan.channel_id, c.plan.language) for c in again] == [("C002", "zh-Hant")]
    assert plans.claim_as_read(store, [(read[("T1", "C000")], "2026-06-01")]) == ([], [("T1", "C000")])
    assert len(plans.posts(store, "T1")) == 159  # C001 paused; each other slot claimed once
