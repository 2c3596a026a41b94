"""The Block Kit primitives: long text is split to fit, and nothing is lost or reordered."""

from hypothesis import given
from hypothesis import strategies as st

from bot.blocks import split_text


@given(st.text(alphabet=st.sampled_from(list("ab \n")), max_size=3000), st.integers(min_value=5, max_value=400))
def test_split_text_fits_the_limit_and_keeps_every_character(text, limit):
    chunks = split_text(text, limit)
    assert all(len(c) <= limit for c in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_split_text_prefers_paragraph_breaks():
    text = "a" * 10 + "\n\n" + "b" * 10 + "\n\n" + "c" * 10
    assert split_text(text, 25) == ["a" * 10 + "\n\n" + "b" * 10, "c" * 10]
