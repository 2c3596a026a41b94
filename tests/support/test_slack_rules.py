"""The stand-in refuses what Slack refuses: one payload per rule of tests/support/slack_rules.py (and per
length limit of tests/support/schemas.py LIMITS), sent with slack_sdk's own clients.

Each case breaks exactly one rule; the test checks Slack's error, the json-pointer naming the fault, the
rule's own reason (so a schema check at the same pointer cannot stand in for a removed rule), that nothing
was posted or stored, and that the same payload without the fault is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from tests.support import schemas, slack_rules
from tests.support.slack_stub import SlackStub

Payload = dict[str, Any]
CHANNEL = "C0001"


# --------------------------------------------------------------------------- tiny block makers
def plain(text: str) -> Payload:
    return {"type": "plain_text", "text": text}


def sec(text: str = "x", **extra: Any) -> Payload:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def btn(action_id: str = "go", text: str = "Go", **extra: Any) -> Payload:
    return {"type": "button", "text": plain(text), "action_id": action_id, **extra}


def acts(*elements: Payload, **extra: Any) -> Payload:
    return {"type": "actions", "elements": list(elements), **extra}


def table() -> Payload:
    return {"type": "table", "rows": [[{"type": "raw_text", "text": "a"}]]}


def markdown(length: int) -> Payload:
    return {"type": "markdown", "text": "m" * length}


def chart(categories: list[str], series: list[Payload] | None = None, title: str = "Votes") -> Payload:
    if series is None:
        series = [{"name": "votes", "data": [{"label": c, "value": 1} for c in categories]}]
    return {"type": "data_visualization", "title": title,
            "chart": {"type": "bar", "series": series, "axis_config": {"categories": categories}}}


def one_series(name: str, categories: list[str]) -> Payload:
    return {"name": name, "data": [{"label": c, "value": 1} for c in categories]}


def context(count: int) -> Payload:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": str(i)} for i in range(count)]}


def message(*blocks: Payload) -> Payload:
    return {"text": "fallback", "blocks": list(blocks)}


def text_input(label: str = "Your comment", hint: str | None = None, **element: Any) -> Payload:
    block: Payload = {"type": "input", "block_id": "comment", "label": plain(label),
                      "element": {"type": "plain_text_input", "action_id": "text", **element}}
    if hint is not None:
        block["hint"] = plain(hint)
    return block


def modal(*blocks: Payload, **extra: Any) -> Payload:
    return {"type": "modal", "title": plain("Title"), "close": plain("Close"), "blocks": list(blocks) or [sec()],
            **extra}


def home(*blocks: Payload, **extra: Any) -> Payload:
    return {"type": "home", "blocks": list(blocks) or [sec()], **extra}


# --------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    id: str
    bad: Payload  # breaks exactly one rule
    good: Payload  # the same, fault removed
    error: str  # Slack's `error`
    pointer: str  # the json-pointer Slack names
    why: str  # a piece of the rule's own reason

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


L = schemas.LIMITS
BUTTONS_25 = [btn(f"b{i}") for i in range(L["actions_elements"])]

MESSAGE_CASES = [
    Case("duplicate-action_id-in-one-block", message(acts(btn("vote"), btn("vote"))),
         message(acts(btn("vote"), btn("vote.1"))), "invalid_blocks", "/blocks/0/elements/1/action_id",
         "duplicate action_id"),
    Case("duplicate-block_id-in-one-message", message(sec(block_id="b"), sec(block_id="b")),
         message(sec(block_id="b"), sec(block_id="c")), "invalid_blocks", "/blocks/1/block_id",
         "duplicate block_id"),
    Case("block-type-not-shown-in-messages", message(sec(), {"type": "alert", "text": plain("careful")}),
         message(sec(), sec("careful")), "invalid_blocks", "/blocks/1/type", "not shown in a message"),
    Case("more-than-50-blocks", message(*[{"type": "divider"}] * 51), message(*[{"type": "divider"}] * 50),
         "invalid_blocks", "/blocks", "no more than 50 items"),
    Case("second-table", message(table(), sec(), table()), message(table(), sec(), sec()),
         "invalid_attachments", "/blocks/2", "only_one_table_allowed"),
    Case("chart-series-misses-a-category",
         message(chart(["A", "B"], [one_series("votes", ["A"])])), message(chart(["A", "B"])),
         "invalid_blocks", "/blocks/0/chart/series/0/data", "one point per category"),
    Case("chart-series-labels-not-the-categories",
         message(chart(["A", "B"], [one_series("votes", ["B", "A"])])), message(chart(["A", "B"])),
         "invalid_blocks", "/blocks/0/chart/series/0/data", "one point per category"),
    Case("chart-series-names-repeat",
         message(chart(["A"], [one_series("votes", ["A"]), one_series("votes", ["A"])])),
         message(chart(["A"], [one_series("votes", ["A"]), one_series("last week", ["A"])])),
         "invalid_blocks", "/blocks/0/chart/series/1/name", "series names must be unique"),
    Case("chart-more-than-6-series",
         message(chart(["A"], [one_series(f"s{i}", ["A"]) for i in range(7)])),
         message(chart(["A"], [one_series(f"s{i}", ["A"]) for i in range(6)])),
         "invalid_blocks", "/blocks/0/chart/series", "1 to 6 series"),
    Case("chart-categories-repeat", message(chart(["A", "A"])), message(chart(["A", "B"])),
         "invalid_blocks", "/blocks/0/chart/axis_config/categories", "categories must be unique"),
    Case("chart-title-over-50", message(chart(["A"], title="t" * 51)), message(chart(["A"], title="t" * 50)),
         "invalid_blocks", "/blocks/0/title", "less than 51 characters"),
    Case("chart-category-over-20", message(chart(["c" * 21])), message(chart(["c" * 20])),
         "invalid_blocks", "/blocks/0/chart/axis_config/categories/0", "less than 21 characters"),
    Case("text-over-40000", {"text": "t" * 40_001}, {"text": "t" * 40_000}, "msg_too_long", "/text",
         "Slack takes 40000"),
    Case("markdown-over-12000-in-all", message(markdown(6001), markdown(6000)), message(markdown(6000), markdown(6000)),
         "msg_blocks_too_long", "/blocks", "Slack takes 12000"),
    Case("no-text-blocks-or-attachments", {}, {"text": "hello"}, "no_text", "/text", "needs text, blocks"),
    # tests/support/schemas.py LIMITS, as the stand-in reports them
    Case("header-over-150", message({"type": "header", "text": plain("h" * 151)}),
         message({"type": "header", "text": plain("h" * 150)}), "invalid_blocks", "/blocks/0/text/text",
         "header text is 151 chars"),
    Case("section-text-over-3000", message(sec("s" * 3001)), message(sec("s" * 3000)), "invalid_blocks",
         "/blocks/0/text/text", "section text is 3001 chars"),
    Case("section-over-10-fields",
         message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}),
         message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 10}),
         "invalid_blocks", "/blocks/0/fields", "11 fields"),
    Case("section-field-over-2000", message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}),
         message({"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}]}),
         "invalid_blocks", "/blocks/0/fields/0/text", "section field is 2001 chars"),
    Case("button-text-over-75", message(acts(btn(text="b" * 76))), message(acts(btn(text="b" * 75))),
         "invalid_blocks", "/blocks/0/elements/0/text/text", "button text is 76 chars"),
    Case("button-value-over-2000", message(acts(btn(value="v" * 2001))), message(acts(btn(value="v" * 2000))),
         "invalid_blocks", "/blocks/0/elements/0/value", "button value is 2001 chars"),
    Case("action_id-over-255", message(acts(btn("a" * 256))), message(acts(btn("a" * 255))),
         "invalid_blocks", "/blocks/0/elements/0/action_id", "action_id is 256 chars"),
    Case("block_id-over-255", message(sec(block_id="b" * 256)), message(sec(block_id="b" * 255)),
         "invalid_blocks", "/blocks/0/block_id", "block_id is 256 chars"),
    Case("actions-over-25-elements", message(acts(*BUTTONS_25, btn("one-more"))), message(acts(*BUTTONS_25)),
         "invalid_blocks", "/blocks/0/elements", "26 elements, Slack allows 25"),
    Case("context-over-10-elements", message(context(11)), message(context(10)),
         "invalid_blocks", "/blocks/0/elements", "11 elements, Slack allows 10"),
]

MODAL_CASES = [
    Case("modal-duplicate-action_id-in-one-block", modal(acts(btn("x"), btn("x"))), modal(acts(btn("x"), btn("y"))),
         "invalid_arguments", "/view/blocks/0/elements/1/action_id", "duplicate action_id"),
    Case("modal-duplicate-block_id", modal(sec(block_id="b"), text_input(), sec(block_id="b")),
         modal(sec(block_id="b"), text_input(), sec(block_id="c")),
         "invalid_arguments", "/view/blocks/2/block_id", "duplicate block_id"),
    Case("modal-block-type-not-shown", modal(sec(), markdown(10)), modal(sec(), sec("m" * 10)),
         "invalid_arguments", "/view/blocks/1/type", "not shown in a modal"),
    Case("modal-chart-not-shown", modal(chart(["A"])), modal(sec("A: 1")),
         "invalid_arguments", "/view/blocks/0/type", "not shown in a modal"),
    Case("modal-table-not-shown", modal(table()), modal(sec("a")),
         "invalid_arguments", "/view/blocks/0/type", "not shown in a modal"),
    Case("modal-more-than-100-blocks", modal(*[{"type": "divider"}] * 101), modal(*[{"type": "divider"}] * 100),
         "invalid_arguments", "/view/blocks", "no more than 100 items"),
    Case("modal-title-over-24", modal(title=plain("t" * 25)), modal(title=plain("t" * 24)),
         "invalid_arguments", "/view/title/text", "less than 25 characters"),
    Case("modal-submit-over-24", modal(text_input(), submit=plain("s" * 25)),
         modal(text_input(), submit=plain("s" * 24)), "invalid_arguments", "/view/submit/text",
         "less than 25 characters"),
    Case("modal-close-over-24", modal(close=plain("c" * 25)), modal(close=plain("c" * 24)),
         "invalid_arguments", "/view/close/text", "less than 25 characters"),
    Case("modal-private_metadata-over-3000", modal(private_metadata="p" * 3001), modal(private_metadata="p" * 3000),
         "invalid_arguments", "/view/private_metadata", "less than 3001 characters"),
    Case("modal-callback_id-over-255", modal(callback_id="c" * 256), modal(callback_id="c" * 255),
         "invalid_arguments", "/view/callback_id", "less than 256 characters"),
    Case("modal-section-text-over-3000", modal(sec("s" * 3001)), modal(sec("s" * 3000)),
         "invalid_arguments", "/view/blocks/0/text/text", "section text is 3001 chars"),
    Case("input-label-over-2000", modal(text_input("l" * 2001), submit=plain("Send")),
         modal(text_input("l" * 2000), submit=plain("Send")),
         "invalid_arguments", "/view/blocks/0/label/text", "input label is 2001 characters"),
    Case("input-hint-over-2000", modal(text_input(hint="h" * 2001), submit=plain("Send")),
         modal(text_input(hint="h" * 2000), submit=plain("Send")),
         "invalid_arguments", "/view/blocks/0/hint/text", "input hint is 2001 characters"),
    Case("input-placeholder-over-150", modal(text_input(placeholder=plain("p" * 151)), submit=plain("Send")),
         modal(text_input(placeholder=plain("p" * 150)), submit=plain("Send")),
         "invalid_arguments", "/view/blocks/0/element/placeholder/text", "placeholder is 151 characters"),
    Case("input-max_length-over-3000", modal(text_input(max_length=3001), submit=plain("Send")),
         modal(text_input(max_length=3000), submit=plain("Send")),
         "invalid_arguments", "/view/blocks/0/element/max_length", "max_length must be 1 to 3000"),
    Case("input-min_length-over-3000", modal(text_input(min_length=3001), submit=plain("Send")),
         modal(text_input(min_length=3000), submit=plain("Send")),
         "invalid_arguments", "/view/blocks/0/element/min_length", "min_length must be 0 to 3000"),
]

HOME_CASES = [
    Case("home-duplicate-block_id", home(sec(block_id="b"), sec(block_id="b")), home(sec(block_id="b"), sec()),
         "invalid_arguments", "/view/blocks/1/block_id", "duplicate block_id"),
    Case("home-duplicate-action_id-in-one-block", home(acts(btn("go"), btn("go"))), home(acts(btn("go"), btn("stop"))),
         "invalid_arguments", "/view/blocks/0/elements/1/action_id", "duplicate action_id"),
    Case("home-table-not-shown", home(sec(), table()), home(sec(), sec("a")),
         "invalid_arguments", "/view/blocks/1/type", "not shown in a home"),
    Case("home-markdown-not-shown", home(markdown(5)), home(sec("m" * 5)),
         "invalid_arguments", "/view/blocks/0/type", "not shown in a home"),
    Case("home-more-than-100-blocks", home(*[{"type": "divider"}] * 101), home(*[{"type": "divider"}] * 100),
         "invalid_arguments", "/view/blocks", "no more than 100 items"),
    Case("home-private_metadata-over-3000", home(private_metadata="p" * 3001), home(private_metadata="p" * 3000),
         "invalid_arguments", "/view/private_metadata", "less than 3001 characters"),
    Case("home-callback_id-over-255", home(callback_id="c" * 256), home(callback_id="c" * 255),
         "invalid_arguments", "/view/callback_id", "less than 256 characters"),
    Case("home-header-over-150", home({"type": "header", "text": plain("h" * 151)}),
         home({"type": "header", "text": plain("h" * 150)}),
         "invalid_arguments", "/view/blocks/0/text/text", "header text is 151 chars"),
]


# --------------------------------------------------------------------------- helpers
@pytest.fixture
def client(stub: SlackStub) -> WebClient:
    return WebClient(token="xoxb-test", base_url=stub.base_url)


def stored(stub: SlackStub) -> tuple:
    """Everything the stand-in keeps of what was sent: a refused call must change none of it."""
    return (dict(stub.messages), dict(stub.views), dict(stub.home_views), list(stub.response_posts))


def names(texts: list[str], case: Case) -> bool:
    """One of Slack's messages names the case's pointer with the rule's reason."""
    return any(f"[json-pointer:{case.pointer}]" in text and case.why in text for text in texts)


def assert_refused(stub: SlackStub, case: Case, send: Callable[[], Any], *, view: bool) -> None:
    before, refused = stored(stub), len(stub.refused)
    with pytest.raises(SlackApiError) as caught:
        send()
    answer = caught.value.response
    assert answer["ok"] is False and answer["error"] == case.error, answer.data
    messages = answer["response_metadata"]["messages"]
    assert all(m.startswith("[ERROR] ") for m in messages)
    assert names(messages, case), messages
    if view:
        assert "errors" not in answer.data  # views answer with response_metadata.messages only
    else:
        assert names(answer["errors"], case), answer["errors"]
    assert stored(stub) == before, "a refused call stored something"
    assert len(stub.refused) == refused + 1


def assert_taken(stub: SlackStub, send: Callable[[], Any]) -> Any:
    refused = len(stub.refused)
    answer = send()
    assert answer["ok"] is True
    assert len(stub.refused) == refused
    return answer


# --------------------------------------------------------------------------- messages
@pytest.mark.parametrize("case", [c.param() for c in MESSAGE_CASES])
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_chat_post_message_refuses_what_slack_refuses(stub: SlackStub, client: WebClient, case: Case) -> None:
    stub.expect_refusals()
    assert_refused(stub, case, lambda: client.chat_postMessage(channel=CHANNEL, **case.bad), view=False)
    answer = assert_taken(stub, lambda: client.chat_postMessage(channel=CHANNEL, **case.good))
    assert (CHANNEL, answer["ts"]) in stub.messages


@pytest.mark.parametrize("case", [c.param() for c in MESSAGE_CASES])
def test_a_response_url_refuses_what_slack_refuses(stub: SlackStub, case: Case) -> None:
    """A response_url answers like an incoming webhook: HTTP 400 and the error as the body
    (https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks, "Handling errors")."""
    stub.expect_refusals()
    webhook = WebhookClient(stub.response_url("r"))
    before = stored(stub)
    refused = webhook.send_dict(dict(case.bad))
    assert (refused.status_code, refused.body) == (400, case.error)
    assert stored(stub) == before
    assert len(stub.refused) == 1
    answer = stub.refused[0][1]
    assert names(answer["errors"], case) and names(answer["response_metadata"]["messages"], case), answer
    taken = webhook.send_dict(dict(case.good))
    assert taken.status_code == 200 and len(stub.refused) == 1
    assert [c.method for c in stub.response_posts] == ["r"]


BAD_BUTTONS = MESSAGE_CASES[0]


def test_every_message_method_refuses_and_keeps_nothing(stub: SlackStub, client: WebClient) -> None:
    stub.expect_refusals()
    posted = client.chat_postMessage(channel=CHANNEL, text="first")
    sends = {
        "chat.update": lambda payload: client.chat_update(channel=CHANNEL, ts=posted["ts"], **payload),
        "chat.postEphemeral": lambda payload: client.chat_postEphemeral(channel=CHANNEL, user="U1", **payload),
        "chat.scheduleMessage": lambda payload: client.chat_scheduleMessage(channel=CHANNEL, post_at=1900000000,
                                                                            **payload),
    }
    for method, send in sends.items():
        original = dict(stub.messages)
        assert_refused(stub, BAD_BUTTONS, lambda send=send: send(BAD_BUTTONS.bad), view=False)
        assert stub.refused[-1][0].method == method
        assert stub.messages == original  # chat.update of a refused payload leaves the message as it was
        assert_taken(stub, lambda send=send: send(BAD_BUTTONS.good))


# --------------------------------------------------------------------------- views
@pytest.mark.parametrize("case", [c.param() for c in MODAL_CASES])
def test_views_open_refuses_what_slack_refuses(stub: SlackStub, client: WebClient, case: Case) -> None:
    stub.expect_refusals()
    assert_refused(stub, case, lambda: client.views_open(trigger_id="1.2.abc", view=case.bad), view=True)
    answer = assert_taken(stub, lambda: client.views_open(trigger_id="1.2.abc", view=case.good))
    assert answer["view"]["id"] in stub.views


@pytest.mark.parametrize("case", [c.param() for c in HOME_CASES])
def test_views_publish_refuses_what_slack_refuses(stub: SlackStub, client: WebClient, case: Case) -> None:
    stub.expect_refusals()
    assert_refused(stub, case, lambda: client.views_publish(user_id="U1", view=case.bad), view=True)
    assert_taken(stub, lambda: client.views_publish(user_id="U1", view=case.good))
    assert "U1" in stub.home_views


def test_views_push_and_update_refuse_too(stub: SlackStub, client: WebClient) -> None:
    stub.expect_refusals()
    case = MODAL_CASES[0]
    opened = client.views_open(trigger_id="1.2.abc", view=modal())["view"]["id"]
    for send in (lambda v: client.views_push(trigger_id="1.2.abc", view=v),
                 lambda v: client.views_update(view_id=opened, view=v)):
        assert_refused(stub, case, lambda send=send: send(case.bad), view=True)
        assert_taken(stub, lambda send=send: send(case.good))


def test_a_view_of_the_wrong_surface_is_refused(stub: SlackStub, client: WebClient) -> None:
    stub.expect_refusals()
    case = Case("home-as-modal", home(), modal(), "invalid_arguments", "/view/type", "must be 'modal'")
    assert_refused(stub, case, lambda: client.views_open(trigger_id="1.2.abc", view=case.bad), view=True)
    assert_taken(stub, lambda: client.views_open(trigger_id="1.2.abc", view=case.good))


# --------------------------------------------------------------------------- what Slack takes
def test_the_same_action_id_in_two_blocks_is_taken(stub: SlackStub, client: WebClient) -> None:
    """action_id is unique "among all other action_ids in the containing block" (button element reference)."""
    assert_taken(stub, lambda: client.chat_postMessage(channel=CHANNEL, **message(acts(btn("go")), acts(btn("go")))))
    assert_taken(stub, lambda: client.views_publish(user_id="U1", view=home(acts(btn("go")), acts(btn("go")))))


def test_the_same_block_id_in_two_messages_is_taken(stub: SlackStub, client: WebClient) -> None:
    for _ in range(2):
        assert_taken(stub, lambda: client.chat_postMessage(channel=CHANNEL, **message(sec(block_id="poll|1"))))
    assert len(stub.messages) == 2


def test_a_refused_ack_body_fails_as_slack_would() -> None:
    """Ack bodies never reach the stand-in: `assert_slack_accepts_message` holds them to the same rules."""
    slack_rules.assert_slack_accepts_message({"response_type": "ephemeral", **BAD_BUTTONS.good})
    with pytest.raises(AssertionError, match="duplicate action_id"):
        slack_rules.assert_slack_accepts_message({"response_type": "ephemeral", **BAD_BUTTONS.bad})


def test_every_limit_has_a_case() -> None:
    """Each LIMITS entry is broken by some case above (a new limit needs its case)."""
    covered = {"message_blocks": "more-than-50-blocks", "view_blocks": "modal-more-than-100-blocks",
               "section_text": "section-text-over-3000", "section_fields": "section-over-10-fields",
               "section_field_text": "section-field-over-2000", "header_text": "header-over-150",
               "button_text": "button-text-over-75", "action_id": "action_id-over-255",
               "block_id": "block_id-over-255", "button_value": "button-value-over-2000",
               "actions_elements": "actions-over-25-elements", "context_elements": "context-over-10-elements",
               "modal_title": "modal-title-over-24", "message_text": "text-over-40000"}
    ids = {c.id for c in MESSAGE_CASES + MODAL_CASES + HOME_CASES}
    assert set(covered) == set(schemas.LIMITS)
    assert set(covered.values()) <= ids
