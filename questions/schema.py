"""The content-pack schema.

A pack is one article made ready for a channel: its sections (each with full text, a short digest, key
figures and a discussion prompt), quiz questions on its facts, and polls on its open questions. Every
reader-facing text is a `Localized` mapping from language tag to text, and the pack-level validator checks
that every text exists in every language the pack declares, so a channel switched to another language never
meets a blank. A language may be declared as derived from another by script conversion (`derived_languages`,
e.g. zh-Hans from zh-Hant by OpenCC): the loader fills in each text the pack does not write out itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from questions.scripts import Conversion

LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Localized = dict[LanguageTag, NonEmpty]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a pack should fail loudly, not vanish."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    outlet: Localized
    podcast: str | None = None
    host: str | None = None
    guest: str | None = None
    episode_date: dt.date | None = None
    url: str | None = None
    author: str | None = None  # a written article's byline (`pack new` reads it from front matter or the page)
    published: dt.date | None = None
    licence: str | None = None  # the article's licence, where it has one (e.g. CC BY-SA 4.0)


class Restoration(Strict):
    """A note on a word the source lost in transit and the pack restored from context."""

    section: Identifier
    restored: NonEmpty
    damaged: NonEmpty
    why: NonEmpty


class Derivation(Strict):
    """A language the pack offers by converting another's texts: `{convert_from: zh-Hant, opencc: tw2s}`.

    Done at load (questions/loader.py), text by text; a text the pack writes out in this language wins.
    """

    convert_from: LanguageTag
    opencc: Conversion


class PackMeta(Strict):
    id: Identifier
    title: Localized
    source: Source
    languages: list[LanguageTag] = Field(min_length=1)
    default_language: LanguageTag
    derived_languages: dict[LanguageTag, Derivation] = Field(default_factory=dict)
    restorations: list[Restoration] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_is_declared(self) -> PackMeta:
        if self.default_language not in self.languages:
            raise ValueError(f"default_language {self.default_language!r} is not in languages {self.languages}")
        for language, how in self.derived_languages.items():
            if language not in self.languages:
                raise ValueError(f"derived language {language!r} is not in languages {self.languages}")
            if how.convert_from not in self.languages or how.convert_from in self.derived_languages:
                raise ValueError(f"{language!r} is derived from {how.convert_from!r}, which is not one of the "
                                 "pack's own (written, not derived) languages")
        return self


class KeyFigure(Strict):
    label: Localized
    value: Localized


class Subsection(Strict):
    title: Localized
    text: Localized


class Section(Strict):
    id: Identifier
    kind: Literal["introduction", "section", "conclusion"] = "section"
    number: int | None = Field(default=None, ge=1)
    title: Localized
    text: Localized
    subsections: list[Subsection] = Field(default_factory=list)
    digest: list[Localized] = Field(min_length=3, max_length=5)
    key_figures: list[KeyFigure] = Field(default_factory=list)
    prompt: Localized

    @model_validator(mode="after")
    def _numbered_iff_section(self) -> Section:
        if self.kind == "section" and self.number is None:
            raise ValueError("a numbered section needs `number`")
        if self.kind != "section" and self.number is not None:
            raise ValueError(f"an {self.kind} has no `number`")
        return self


class QuizQuestion(Strict):
    """Multiple choice (`options` + `answer` index) or a numeric estimate (`answer_value` ± `tolerance`)."""

    id: Identifier
    section: Identifier
    # Where the answer is: the section (the default), or the pack's `source` line (outlet, podcast, host,
    # guest) for a question about who published the article; `section` then says where the question belongs.
    cites: Literal["section", "source"] = "section"
    kind: Literal["choice", "numeric"]
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    question: Localized
    options: list[Localized] = Field(default_factory=list)
    answer: int | None = None
    answer_value: float | None = None
    tolerance: float | None = Field(default=None, ge=0)
    unit: Localized | None = None
    explanation: Localized

    @model_validator(mode="after")
    def _answer_fits_kind(self) -> QuizQuestion:
        if self.kind == "choice":
            if len(self.options) != 4:
                raise ValueError("a choice question has exactly 4 options")
            if self.answer is None or not 0 <= self.answer < len(self.options):
                raise ValueError("`answer` must be the index (0-3) of the correct option")
            if self.answer_value is not None or self.tolerance is not None:
                raise ValueError("a choice question has no answer_value/tolerance")
        else:
            if self.answer_value is None or self.tolerance is None:
                raise ValueError("a numeric question needs answer_value and tolerance")
            if self.options or self.answer is not None:
                raise ValueError("a numeric question has no options/answer")
        return self


class PollOption(Strict):
    id: Identifier
    label: Localized


class Poll(Strict):
    id: Identifier
    section: Identifier | None = None
    question: Localized
    options: list[PollOption] = Field(min_length=2, max_length=5)
    comment_prompt: Localized

    @field_validator("options")
    @classmethod
    def _unique_option_ids(cls, options: list[PollOption]) -> list[PollOption]:
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"option ids repeat: {ids}")
        return options


class Pack(Strict):
    pack: PackMeta
    sections: list[Section] = Field(min_length=1)
    quiz: list[QuizQuestion] = Field(default_factory=list)
    polls: list[Poll] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_and_languages(self) -> Pack:
        section_ids = [s.id for s in self.sections]
        if len(set(section_ids)) != len(section_ids):
            raise ValueError(f"section ids repeat: {section_ids}")
        for kind, items in (("quiz", self.quiz), ("polls", self.polls)):
            ids = [i.id for i in items]
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids repeat: {ids}")
        known = set(section_ids)
        for q in self.quiz:
            if q.section not in known:
                raise ValueError(f"quiz {q.id}: section {q.section!r} is not a section id")
        for p in self.polls:
            if p.section is not None and p.section not in known:
                raise ValueError(f"poll {p.id}: section {p.section!r} is not a section id")
        for note in self.pack.restorations:
            if note.section not in known:
                raise ValueError(f"restoration of {note.restored!r}: section {note.section!r} is not a section id")
        missing = sorted(_missing_languages(self, set(self.pack.languages)))
        if missing:
            raise ValueError("texts missing a language: " + "; ".join(missing[:10]))
        return self

    # Lookups used across the bot; the pack is immutable, so these are cheap and safe to share.
    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def question(self, question_id: str) -> QuizQuestion:
        for q in self.quiz:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def poll(self, poll_id: str) -> Poll:
        for p in self.polls:
            if p.id == poll_id:
                return p
        raise KeyError(poll_id)


def _missing_languages(node: object, languages: set[str], path: str = "") -> list[str]:
    """Every Localized text anywhere in the pack, checked for each declared language."""
    found: list[str] = []
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found += _missing_languages(getattr(node, name), languages, f"{path}.{name}" if path else name)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += _missing_languages(item, languages, f"{path}[{i}]")
    elif isinstance(node, dict) and node and all(isinstance(v, str) for v in node.values()):
        lacking = languages - node.keys()
        if lacking:
            found.append(f"{path} lacks {sorted(lacking)}")
    return found
