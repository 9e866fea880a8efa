"""Every translation has exactly the keys of en.json and the same placeholders in each string
(tests/test_docs.py checks that docs/actions.md documents every action)."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "whatsminer"
TRANSLATIONS = INTEGRATION / "translations"
LANGUAGES = ("de", "zh-Hans", "ru")
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """Key paths (a.b.c) to the strings at the leaves."""
    if isinstance(node, dict):
        flat: dict[str, str] = {}
        for key, value in node.items():
            flat |= _flatten(value, f"{prefix}.{key}" if prefix else key)
        return flat
    assert isinstance(node, str), f"{prefix} is not a string"
    return {prefix: node}


def _load(language: str) -> dict[str, str]:
    return _flatten(json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")))


def test_only_known_languages() -> None:
    """A new translation file is added to LANGUAGES, so it is checked too."""
    assert {p.stem for p in TRANSLATIONS.glob("*.json")} == {"en", *LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_keys_as_english(language: str) -> None:
    """No key missing (shown in English or not at all) and none left over."""
    english, other = _load("en"), _load(language)
    assert sorted(set(english) - set(other)) == [], "missing"
    assert sorted(set(other) - set(english)) == [], "not in en.json"


@pytest.mark.parametrize("language", LANGUAGES)
def test_same_placeholders_and_no_empty_strings(language: str) -> None:
    """A placeholder lost or renamed would show as {name} literally or not at all."""
    english, other = _load("en"), _load(language)
    for key, text in other.items():
        assert text.strip(), f"{key} is empty"
        if key in english:
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(english[key])), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_translated_not_copied(language: str) -> None:
    """Most strings differ from English (a few, like units or names, may be the same)."""
    english, other = _load("en"), _load(language)
    same = [key for key, text in other.items() if len(text) > 20 and text == english.get(key)]
    assert not same, same
