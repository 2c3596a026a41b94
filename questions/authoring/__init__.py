"""Authoring content packs from articles: `python -m bot pack new SOURCE` and `python -m bot pack check`.

Pure functions over text and files: no Slack, no store. `sources` reads Markdown, HTML, plain text and
URLs into an `Article`; `draft` turns it into a pack; `render` writes it as YAML; `check` reviews a pack.
"""

from questions.authoring.article import Article, Block, detect_language
from questions.authoring.draft import Draft, draft_pack
from questions.authoring.sources import SourceError, read_source

__all__ = ["Article", "Block", "Draft", "SourceError", "detect_language", "draft_pack", "read_source"]
