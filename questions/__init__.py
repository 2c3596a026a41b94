"""Content packs: one YAML file per article, validated by `questions.schema` on load."""

from questions.loader import PackError, load_pack, load_packs

__all__ = ["PackError", "load_pack", "load_packs"]
