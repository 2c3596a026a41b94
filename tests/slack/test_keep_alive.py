"""The app's Web API client keeps its connection open between calls (bot/slack/keep_alive.py).

Against the stand-in, which counts the connections clients open. Each test runs its calls on a thread of
its own, so the connection a thread keeps starts fresh.
"""

from __future__ import annotations

import inspect
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.base_client import BaseClient

from bot.context import make_client, retry_handlers
from bot.slack.keep_alive import KeepAliveWebClient
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


# -- the slack_sdk internals the client relies on ---------------------------------------------------
# KeepAliveWebClient overrides a private method of slack_sdk's BaseClient; pyproject.toml pins only `<4`.
# These read slack_sdk's own code (with `inspect`), so an upgrade that renames the method, changes its
# arguments, stops calling it from the retry loop, or drops an attribute it reads fails here, not in
# production as a silent fall-back to one connection per call (or an AttributeError on every call).
# (That slack_sdk still calls it at all is shown above: calls from one thread share one connection.)
# Chosen over a tighter pin in pyproject.toml: slack_sdk ships a minor release most months, and a pin to
# the tested minor would hold back every fix; these fail on exactly the change that matters.
def test_the_overridden_method_is_slack_sdks_with_the_same_signature():
    ours = inspect.signature(KeepAliveWebClient._perform_urllib_http_request_internal)
    theirs = inspect.signature(BaseClient._perform_urllib_http_request_internal)
    assert list(theirs.parameters) == ["self", "url", "req"]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in theirs.parameters.values())
    assert list(ours.parameters) == list(theirs.parameters)
    # defined on BaseClient and not again between it and WebClient, so the override replaces the one that runs
    owner = next(c for c in WebClient.__mro__ if "_perform_urllib_http_request_internal" in vars(c))
    assert owner is BaseClient
    assert "_perform_urllib_http_request_internal" in vars(KeepAliveWebClient)


def test_slack_sdk_sends_every_try_through_the_overridden_method_and_reads_what_it_returns():
    """The caller (the retry loop) passes (url, req) positionally, reads status/headers/body from the dict
    returned, and handles urllib's HTTPError: the three things the override keeps."""
    caller = inspect.getsource(BaseClient._perform_urllib_http_request)
    assert "self._perform_urllib_http_request_internal(url, req)" in caller
    assert "req = Request(" in caller  # a urllib Request: get_method(), data and header_items() are urllib's
    for key in ('resp["status"]', 'resp["headers"]', 'resp["body"]'):
        assert key in caller, f"slack_sdk no longer reads {key} from the method's answer"
    assert "except HTTPError as e" in caller and "e.code" in caller and "e.read()" in caller
    assert "e.headers" in caller
    overridden = inspect.getsource(BaseClient._perform_urllib_http_request_internal)
    assert '"application/gzip"' in overridden  # the one answer slack_sdk leaves as bytes; ours does too
    assert "self.proxy" in overridden and "self.ssl" in overridden and "self.timeout" in overridden


def test_a_client_has_the_attributes_the_override_reads():
    client = KeepAliveWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", timeout=7)
    assert {"proxy", "ssl", "timeout", "retry_handlers"} <= set(vars(client))
    assert client.timeout == 7 and client.ssl is None  # as passed: the override hands them to http.client
    init = inspect.signature(BaseClient.__init__).parameters
    assert {"timeout", "ssl", "proxy", "retry_handlers", "base_url", "token"} <= set(init)
