"""The documentation holds together: links and anchors resolve, every page is reachable, every
action is documented, and the README stays short.

Checked: README.md, info.md and docs/*.md. A link is checked when it is relative (a file or
folder of the repository, optionally with `#anchor`), an anchor of the same page (`#anchor`),
or an address of this repository on GitHub (`.../blob/main/<path>`, as info.md and the
blueprint import addresses use). Anchors are GitHub's heading slugs. Addresses of this
repository in the integration's code and blueprints (repairs' "learn more", `source_url`) are
held to the same rule.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
import re
from urllib.parse import unquote

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
INDEX = DOCS / "index.md"
PAGES = sorted([README, ROOT / "info.md", *DOCS.glob("*.md")])
README_MAX_BYTES = 12 * 1024
REPO_URL = re.compile(
    r"https://github\.com/whatsminer-ha/whatsminer-homeassistant/(?:blob|tree)/main/"
    r"([^\s)\"'>`]+)"
)

FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]+`")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
MARKDOWN_LINK = re.compile(r"\]\(<?([^)\s>]+)>?(?:[ \t]+\"[^\"]*\")?\)")
HTML_LINK = re.compile(r"""(?:href|src)=["']([^"']+)["']""")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: its text without markup, lower case, punctuation
    dropped (letters, digits, `_`, `-` kept), spaces as hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # [text](url) -> text
    text = re.sub(r"(?<!\w)_([^_]+)_(?!\w)", r"\1", text)  # _emphasis_
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of a page's headings; repeated headings get -1, -2, ... as on GitHub."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


def link_targets(markdown: str) -> list[str]:
    """Every link and image target of a page, outside code."""
    text = INLINE_CODE.sub("`code`", FENCE.sub("", markdown))
    return MARKDOWN_LINK.findall(text) + HTML_LINK.findall(text)


@dataclass(frozen=True)
class Target:
    """Where a link points: a path of the repository and an anchor (either may be empty)."""

    path: Path
    anchor: str


def resolve(page: Path, target: str) -> Target | None:
    """The repository path and anchor a link of `page` points to; None when it points
    elsewhere (another site, mail)."""
    if match := REPO_URL.fullmatch(target.split("#", 1)[0]):
        path = ROOT / unquote(match.group(1))
        return Target(path, target.split("#", 1)[1] if "#" in target else "")
    if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
        return None  # https:, mailto:, ...
    location, _, anchor = target.partition("#")
    path = (page.parent / unquote(location)).resolve() if location else page
    return Target(path, anchor)


def problems(page: Path, targets: list[str]) -> list[str]:
    """What does not resolve among `targets` of `page`, in words."""
    found = []
    for target in targets:
        where = resolve(page, target)
        if where is None:
            continue
        if not where.path.is_relative_to(ROOT):
            found.append(f"{target}: outside the repository")
        elif not where.path.exists():
            found.append(f"{target}: no such file")
        elif (
            where.anchor
            and where.path.suffix == ".md"
            and where.anchor not in anchors(where.path.read_text(encoding="utf-8"))
        ):
            found.append(f"{target}: no heading with the anchor #{where.anchor}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_links_and_anchors_resolve(page: Path) -> None:
    """A reader who follows a link of this page lands on an existing file and heading."""
    markdown = page.read_text(encoding="utf-8")
    targets = link_targets(markdown)
    # Addresses of this repository count inside code too (the blueprint import addresses).
    targets += [m.group(0) for m in REPO_URL.finditer(markdown) if m.group(0) not in targets]
    assert problems(page, targets) == []


def test_addresses_in_code_resolve() -> None:
    """The repairs' "learn more" address and the blueprints' source_url exist."""
    sources = [*(ROOT / "custom_components").rglob("*.py"), *(ROOT / "blueprints").rglob("*.yaml")]
    checked = 0
    for source in sources:
        addresses = [m.group(0) for m in REPO_URL.finditer(source.read_text(encoding="utf-8"))]
        checked += len(addresses)
        assert problems(source, addresses) == [], source
    assert checked >= 3  # issues.py and the two blueprints


def test_readme_is_short() -> None:
    """The README is what it is, how to install and try it, and links: at most 12 KB."""
    assert README.stat().st_size <= README_MAX_BYTES


def test_readme_names_the_test_command() -> None:
    """.ci/run runs the README's test command."""
    assert re.search(r"^```\s*\nscripts/test\n```", README.read_text(encoding="utf-8"), re.M)


def test_every_page_is_linked() -> None:
    """Each page of docs/ is reachable: linked from the README or the documentation index
    (and the index from the README)."""
    linked = set()
    for page in (README, INDEX):
        for target in link_targets(page.read_text(encoding="utf-8")):
            if (where := resolve(page, target)) is not None:
                linked.add(where.path)
    assert INDEX in linked
    unlinked = [p.name for p in DOCS.glob("*.md") if p != INDEX and p.resolve() not in linked]
    assert unlinked == [], "add them to docs/index.md"


def test_every_action_is_documented() -> None:
    """Each action of services.yaml has its row and its section in docs/actions.md."""
    services = yaml.safe_load(
        (ROOT / "custom_components" / "whatsminer" / "services.yaml").read_text(encoding="utf-8")
    )
    actions = (DOCS / "actions.md").read_text(encoding="utf-8")
    assert [s for s in services if f"`whatsminer.{s}`" not in actions] == []
    assert [s for s in services if s not in anchors(actions)] == []


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("Try it in five minutes, without a miner", "try-it-in-five-minutes-without-a-miner"),
        ("Actions (services)", "actions-services"),
        ("Measured: a simulated day", "measured-a-simulated-day"),
        ("`upgrade_firmware`", "upgrade_firmware"),
        ("Profit: hashprice and break-even", "profit-hashprice-and-break-even"),
        (
            "v2 firmware: one full refresh, ours against pyasic",
            "v2-firmware-one-full-refresh-ours-against-pyasic",
        ),
        ("A [link](x.md) and *emphasis*", "a-link-and-emphasis"),
        ("Home Assistant with 1,000 miners", "home-assistant-with-1000-miners"),
    ],
)
def test_slug_is_githubs(heading: str, expected: str) -> None:
    """Anchors are computed as GitHub computes them."""
    assert slug(heading) == expected


def test_repeated_headings_and_code_blocks() -> None:
    """A repeated heading gets a numbered anchor; a '#' line inside code is no heading."""
    markdown = "# Page\n\n## Setup\n\n## Setup\n\n```yaml\n# comment\n```\n"
    assert anchors(markdown) == {"page", "setup", "setup-1"}


def test_broken_links_are_reported() -> None:
    """The check fails for a missing file, a missing heading and a path outside the repo."""
    page = DOCS / "example.md"  # (not written: links are resolved relative to it)
    targets = link_targets(
        "[ok](index.md) [gone](missing.md) [heading](index.md#no-such-heading) "
        "[out](../../elsewhere.md) [web](https://example.com/x.md) "
        '<img src="screenshots/none.png"> `[code](skipped.md)`'
    )
    reported = [problem.split(": ")[0] for problem in problems(page, targets)]
    assert reported == [
        "missing.md",
        "index.md#no-such-heading",
        "../../elsewhere.md",
        "screenshots/none.png",
    ]
    assert problems(INDEX, ["#nowhere"]) == ["#nowhere: no heading with the anchor #nowhere"]
