"""The app's Web API client keeps its connection open between calls (bot/slack/keep_alive.py).

Against the stand-in, which counts the connections clients open. Each test runs its calls on a thread of
its own, so the connection a thread keeps starts fresh.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.keep_alive import KeepAliveWebClient
from bot.context import make_client, retry_handlers
from tests.support.slack_stub import delayed


def on_new_thread(work):
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def post(client: WebClient, n: int = 1) -> list[str]:
    return [client.chat_postMessage(channel="C0CHAN", text=f"post {i}")["ts"] for i in range(n)]


def test_calls_from_one_thread_share_one_connection(settings, stub):
    client = make_client(settings, "xoxb-test")
    assert len(on_new_thread(lambda: post(client, 5))) == 5
    assert stub.connections_opened == 1

    plain = WebClient(token="xoxb-test", base_url=settings.slack_api_url)  # slack_sdk's own: one per call
    on_new_thread(lambda: post(plain, 5))
    assert stub.connections_opened == 1 + 5
    assert len(stub.calls("chat.postMessage")) == 10


def test_clients_for_two_workspaces_share_the_thread_connection(settings, stub):
    """The token travels with each request, so one connection serves every workspace's client."""
    first, second = make_client(settings, "xoxb-one"), make_client(settings, "xoxb-two")
    on_new_thread(lambda: (post(first), post(second), post(first)))
    assert stub.connections_opened == 1
    tokens = [c.headers["authorization"] for c in stub.calls("chat.postMessage")]
    assert tokens == ["Bearer xoxb-one", "Bearer xoxb-two", "Bearer xoxb-one"]


def test_each_thread_keeps_its_own_connection(settings, stub):
    client = make_client(settings, "xoxb-test")
    with ThreadPoolExecutor(max_workers=4) as pool:
        barrier = threading.Barrier(4)

        def work():
            barrier.wait()  # all four threads at once: none can borrow another's connection
            return post(client, 5)

        results = [f.result() for f in [pool.submit(work) for _ in range(4)]]
    assert sum(len(r) for r in results) == 20
    assert stub.connections_opened == 4


def test_a_connection_the_server_closed_is_replaced_before_the_post_is_sent(settings, stub):
    """Found closed before sending, not by a failed send: with no retry handlers the call still succeeds."""
    client = KeepAliveWebClient(token="xoxb-test", base_url=settings.slack_api_url, retry_handlers=[])

    def work():
        post(client)
        stub.drop_connections()  # as Slack's servers close a connection left idle
        return post(client)

    assert len(on_new_thread(work)) == 1
    assert len(stub.calls("chat.postMessage")) == 2
    assert stub.connections_opened == 2


def test_a_connection_idle_longer_than_max_idle_is_not_reused(settings, stub):
    now = [1000.0]
    client = KeepAliveWebClient(token="xoxb-test", base_url=settings.slack_api_url, max_idle=30,
                                monotonic=lambda: now[0])

    def work():
        post(client)
        now[0] += 29  # within max_idle: reused
        post(client)
        now[0] += 31  # a NAT may have forgotten it: a new one
        post(client)

    on_new_thread(work)
    assert stub.connections_opened == 2


def test_a_rate_limit_is_retried_by_slack_sdk_over_the_same_connection(settings, stub):
    stub.respond("chat.postMessage", {"ok": False, "error": "ratelimited"}, status=429,
                 headers={"Retry-After": "0"}, times=1)
    client = make_client(settings, "xoxb-test")
    assert len(on_new_thread(lambda: post(client))) == 1
    assert [c.status for c in stub.calls("chat.postMessage")] == [429, 200]
    assert stub.connections_opened == 1


def test_an_error_answer_raises_slack_sdk_s_error_and_keeps_the_connection(settings, stub):
    stub.respond("chat.postMessage", {"ok": False, "error": "channel_not_found"}, status=404, times=1)
    client = make_client(settings, "xoxb-test")

    def work():
        with pytest.raises(SlackApiError) as raised:
            post(client)
        return raised.value.response.status_code, raised.value.response["error"], post(client)

    status, error, posted = on_new_thread(work)
    assert (status, error, len(posted)) == (404, "channel_not_found", 1)
    assert stub.connections_opened == 1


def test_a_timeout_drops_the_connection_and_the_next_call_opens_a_new_one(settings, stub):
    release = threading.Event()
    stub.respond("chat.postMessage", delayed(5, release=release, then=stub.default_response), times=1)
    client = KeepAliveWebClient(token="xoxb-test", base_url=settings.slack_api_url, timeout=0.3,
                                retry_handlers=[])

    def work():
        with pytest.raises(TimeoutError):
            post(client)
        release.set()
        return post(client)

    try:
        assert len(on_new_thread(work)) == 1
    finally:
        release.set()
    assert stub.connections_opened == 2  # the answer to the first call can never be read as the second's


def test_a_forked_child_opens_its_own_connection_and_the_parent_keeps_its_one(settings, stub):
    """gunicorn's master calls Slack (the token check) and then forks the worker from the same thread."""
    client = make_client(settings, "xoxb-test")

    def work():
        post(client)
        pid = os.fork()
        if pid == 0:  # the child: a post of its own, never over the parent's socket
            code = 1
            try:
                post(client)
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        post(client)
        return os.waitstatus_to_exitcode(status)

    assert on_new_thread(work) == 0
    assert stub.connections_opened == 2  # the parent's, reused after the fork, and the child's own
    assert len(stub.calls("chat.postMessage")) == 3


def test_the_app_client_keeps_slack_sdk_s_retry_handlers(settings):
    client = make_client(settings, "xoxb-test")
    assert isinstance(client, KeepAliveWebClient)
    assert [type(h) for h in client.retry_handlers] == [type(h) for h in retry_handlers()]
