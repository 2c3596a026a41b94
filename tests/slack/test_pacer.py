"""The channel pacer: about one post a second per channel, and no memory of channels whose turn has passed."""

from bot.slack.posting import ChannelPacer


def test_a_channel_waits_its_turn_and_another_does_not() -> None:
    now = [100.0]
    waits: list[float] = []
    pacer = ChannelPacer(interval=1.0, monotonic=lambda: now[0], sleep=waits.append)
    pacer.wait_turn("C1")
    pacer.wait_turn("C1")
    pacer.wait_turn("C2")
    assert waits == [1.0]  # the second post in C1 waited a second; C2's first did not


def test_channels_whose_turn_has_passed_are_forgotten() -> None:
    now = [0.0]
    pacer = ChannelPacer(interval=1.0, monotonic=lambda: now[0], sleep=lambda seconds: None)
    for day in range(30):  # 30 days of one post in each of 1,000 channels
        now[0] = day * 86_400.0
        for n in range(1000):
            pacer.wait_turn(f"C{day}-{n}")
    assert len(pacer) < 2100  # the channels of the last day or two, not 30,000
    now[0] += 2.0
    pacer.wait_turn("C-late")
    pacer.wait_turn("C-late")  # still paced after a prune
    assert len(pacer) <= 2100
