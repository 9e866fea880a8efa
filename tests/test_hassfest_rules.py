"""hassfest's rules for custom integrations, held here so a violation fails the tests first.

hassfest (home-assistant/core's script/hassfest, run in CI by home-assistant/actions/hassfest)
is not part of the Home Assistant wheel and cannot run here, so this file restates the rules it
applies to a custom integration (script/hassfest/translations.py, services.py, manifest.py),
using Home Assistant's own validators (config_validation.slug, selector.validate_selector)
where they exist. hassfest checks only translations/en.json of a custom integration; every
language is held to the same rules here, since the same mistakes break them the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re
import string
from typing import Any

from homeassistant.helpers import config_validation as cv, selector
import probatio
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "custom_components" / "whatsminer"
LANGUAGE_FILES = sorted((INTEGRATION / "translations").glob("*.json"))

# The rules, as hassfest states them.
PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
REFERENCE = re.compile(r"\[%key:[^%]*%\]")
COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
HTML = re.compile(r"<[a-z].*?>", re.IGNORECASE)
URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)"
    r"[a-z0-9]+([\-.][a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(/.*)?)",
    re.IGNORECASE,
)
TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")


def string_problems(text: str, *, placeholders: bool = True) -> list[str]:
    """What hassfest objects to in one translation string (empty: nothing)."""
    problems = []
    if HTML.search(text):
        problems.append("contains HTML")
    if PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
        problems.append("has a placeholder inside single quotes")
    if REFERENCE.search(text):
        problems.append("has a [%key:...%] reference (works only in core integrations)")
    if COMBINED_REFERENCE.search(text):
        problems.append("combines a reference with text")
    if text != text.strip():
        problems.append("has leading or trailing whitespace")
    if URL.search(text):
        problems.append("contains a URL (use a description placeholder)")
    try:
        fields = [name for _text, name, _spec, _conv in string.Formatter().parse(text) if name]
    except ValueError as err:
        problems.append(f"is not a valid format string ({err})")
    else:
        if fields and not placeholders:
            problems.append("has placeholders where none are allowed")
        problems.extend(
            f"placeholder {{{name}}} is not an identifier"
            for name in fields
            if not name.isidentifier()
        )
    return problems


def leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a translation file with its key path."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    else:
        assert isinstance(node, str), f"{'.'.join(path)} is not a string"
        yield path, node


def no_placeholders_allowed(path: tuple[str, ...]) -> bool:
    """Entity states, state attributes and units may not take placeholders."""
    return path[0] == "entity" and (
        "state" in path or "state_attributes" in path or path[-1] == "unit_of_measurement"
    )


def is_slug(value: str) -> bool:
    """Home Assistant's slug: what services.yaml keys and exception keys must be."""
    try:
        cv.slug(value)
    except probatio.Invalid:
        return False
    return True


def key_problems(strings: dict[str, Any]) -> list[str]:
    """Keys hassfest requires to be slugs or translation keys."""
    problems = []

    def check(keys: Any, rule: str, where: str) -> None:
        for key in keys:
            ok = is_slug(key) if rule == "slug" else TRANSLATION_KEY.match(key) is not None
            if not ok:
                problems.append(f"{where}.{key} is not a valid {rule}")

    for platform, entities in strings.get("entity", {}).items():
        check([platform], "slug", "entity")
        check(entities, "translation key", f"entity.{platform}")
        for key, entity in entities.items():
            check(entity.get("state", {}), "translation key", f"entity.{platform}.{key}.state")
            for attr, attribute in entity.get("state_attributes", {}).items():
                check([attr], "translation key", f"entity.{platform}.{key}.state_attributes")
                check(attribute.get("state", {}), "translation key", f"...{attr}.state")
    check(strings.get("exceptions", {}), "slug", "exceptions")
    check(strings.get("services", {}), "translation key", "services")
    for name, service in strings.get("services", {}).items():
        check(service.get("fields", {}), "translation key", f"services.{name}.fields")
    check(strings.get("device", {}), "translation key", "device")
    for name, sel in strings.get("selector", {}).items():
        check([name], "slug", "selector")
        check(sel.get("options", {}), "translation key", f"selector.{name}.options")
    return problems


def structure_problems(strings: dict[str, Any]) -> list[str]:
    """The shapes hassfest's schema requires."""
    problems = []
    for name, issue in strings.get("issues", {}).items():
        if "title" not in issue:
            problems.append(f"issues.{name} has no title")
        if ("description" in issue) == ("fix_flow" in issue):
            problems.append(f"issues.{name} needs either a description or a fix_flow")
    flows = [strings.get("config"), strings.get("options")]
    flows += [issue.get("fix_flow") for issue in strings.get("issues", {}).values()]
    for flow in filter(None, flows):
        for step_id, step in flow.get("step", {}).items():
            extra = set(step.get("data_description", {})) - set(step.get("data", {}))
            if extra:
                problems.append(f"step {step_id}: data_description for {sorted(extra)} not in data")
    for name, exc in strings.get("exceptions", {}).items():
        if set(exc) - {"message"}:
            problems.append(f"exceptions.{name} has keys other than message")
    return problems


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.name)
def test_translation_strings_follow_hassfest(path: Path) -> None:
    """No single-quoted placeholders, references, HTML, URLs or stray whitespace, anywhere."""
    strings = json.loads(path.read_text(encoding="utf-8"))
    problems = [
        f"{'.'.join(key)}: {problem}"
        for key, text in leaves(strings)
        for problem in string_problems(text, placeholders=not no_placeholders_allowed(key))
    ]
    assert problems == []


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.name)
def test_translation_keys_and_structure_follow_hassfest(path: Path) -> None:
    """Keys are slugs / translation keys where hassfest requires them; shapes it requires."""
    strings = json.loads(path.read_text(encoding="utf-8"))
    assert key_problems(strings) == []
    assert structure_problems(strings) == []


def services_yaml() -> dict[str, Any]:
    """services.yaml as Home Assistant reads it (anchors resolved)."""
    data = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_services_yaml_keys_are_slugs_and_selectors_valid() -> None:
    """Only actions at the top level (hassfest: "invalid slug .device"), valid selectors."""
    services = services_yaml()
    assert [key for key in services if not is_slug(key)] == []
    allowed_field_keys = {"example", "default", "required", "advanced", "selector", "filter"}
    allowed_field_keys |= {"name", "description"}
    for name, service in services.items():
        assert set(service or {}) <= {"fields", "target", "name", "description"}, name
        for field, spec in ((service or {}).get("fields") or {}).items():
            assert set(spec) <= allowed_field_keys, f"{name}.{field}"
            if "selector" in spec:
                selector.validate_selector(spec["selector"])


@pytest.mark.parametrize("path", LANGUAGE_FILES, ids=lambda p: p.name)
def test_every_action_and_field_is_translated(path: Path) -> None:
    """Each action and each of its fields has a name and a description in every language."""
    translated = json.loads(path.read_text(encoding="utf-8")).get("services", {})
    missing = []
    for name, service in services_yaml().items():
        entry = translated.get(name, {})
        missing += [f"{name}.{k}" for k in ("name", "description") if not entry.get(k)]
        for field in (service or {}).get("fields") or {}:
            spec = entry.get("fields", {}).get(field, {})
            missing += [f"{name}.{field}.{k}" for k in ("name", "description") if not spec.get(k)]
            select = (((service or {})["fields"][field] or {}).get("selector") or {}).get("select")
            if select and "translation_key" in select:
                strings = json.loads(path.read_text(encoding="utf-8"))
                if select["translation_key"] not in strings.get("selector", {}):
                    missing.append(f"selector.{select['translation_key']}")
    assert missing == []


def test_manifest_keys_sorted_and_complete() -> None:
    """domain, name, then the other keys alphabetically; what HACS and hassfest require."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    required = {"codeowners", "config_flow", "documentation", "iot_class", "requirements"}
    assert required | {"version", "integration_type", "issue_tracker"} <= set(manifest)
    assert manifest["documentation"].startswith("https://")
    assert manifest["issue_tracker"].startswith("https://")


def dhcp_problems(matchers: Any) -> list[str]:
    """What hassfest's manifest schema objects to in a `dhcp` list (empty: nothing)."""
    if not isinstance(matchers, list):
        return ["dhcp is not a list"]
    problems = []
    for matcher in matchers:
        if not isinstance(matcher, dict) or not matcher:
            problems.append(f"{matcher!r} is not a matcher")
            continue
        problems.extend(
            f"unknown key {key}"
            for key in matcher
            if key not in {"macaddress", "hostname", "registered_devices"}
        )
        hostname = matcher.get("hostname", "")
        if not isinstance(hostname, str) or hostname != hostname.lower():
            problems.append(f"hostname {hostname!r} is not lower case")
        mac = matcher.get("macaddress", "*")
        if not isinstance(mac, str) or mac != mac.upper() or "*" not in mac:
            problems.append(f"macaddress {mac!r} is not upper case with a wildcard")
        if not isinstance(matcher.get("registered_devices", True), bool):
            problems.append("registered_devices is not a boolean")
    return problems


def test_manifest_dhcp_matchers() -> None:
    """The DHCP matchers are valid for hassfest; their rules catch what it would."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text(encoding="utf-8"))
    assert dhcp_problems(manifest["dhcp"]) == []
    assert dhcp_problems([{"hostname": "WhatsMiner*"}])
    assert dhcp_problems([{"macaddress": "c60720*"}])
    assert dhcp_problems([{"macaddress": "C60720"}])
    assert dhcp_problems([{"registered_devices": "yes"}])
    assert dhcp_problems([{"host": "whatsminer*"}])


def test_rules_catch_what_hassfest_reported() -> None:
    """The two errors hassfest reported for this integration are caught by these rules."""
    assert string_problems("'{command}' was sent") == ["has a placeholder inside single quotes"]
    assert not is_slug(".device")
    assert string_problems("[%key:common::config_flow::data::host%]")
    assert string_problems(" padded")
    assert string_problems("See https://example.com/docs")
    assert string_problems("On {state}", placeholders=False)
    assert string_problems('The command "{command}" was sent') == []


def test_hacs_files() -> None:
    """hacs.json has only the keys HACS knows; a licence GitHub detects; README; brand icon."""
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    known = {"name", "homeassistant", "hacs", "content_in_root", "country", "filename"}
    known |= {"hide_default_branch", "persistent_directory", "render_readme", "zip_release"}
    assert "name" in hacs
    assert set(hacs) <= known
    assert isinstance(hacs["homeassistant"], str)
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
    assert "the WhatsMiner for Home Assistant contributors" in licence
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert (ROOT / "README.md").is_file()
    assert (INTEGRATION / "brand" / "icon.png").is_file()


def test_ecosystem_workflows() -> None:
    """CI on GitHub runs hassfest and HACS's validation on push, pull request and schedule."""
    workflows = [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in (ROOT / ".github" / "workflows").glob("*.y*ml")
    ]
    uses = {
        step.get("uses", "").split("@")[0]
        for workflow in workflows
        for job in workflow["jobs"].values()
        for step in job["steps"]
    }
    assert {"home-assistant/actions/hassfest", "hacs/action"} <= uses
    for workflow in workflows:
        triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads "on" as True
        assert {"push", "pull_request", "schedule"} <= set(triggers)
    hacs_steps = [
        step
        for workflow in workflows
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if step.get("uses", "").startswith("hacs/action")
    ]
    assert all(step["with"]["category"] == "integration" for step in hacs_steps)
