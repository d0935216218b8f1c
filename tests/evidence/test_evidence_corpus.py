"""The corpus: listing documents, naming them, and never reading outside the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from evidence_helpers import make_corpus

from multipolar.core.errors import InputError
from multipolar.evidence import Corpus


def test_lists_only_txt_documents(tmp_path: Path) -> None:
    c = Corpus.from_dir(make_corpus(tmp_path / "c"))
    assert c.names == ["001_alpha.txt", "002_beta.txt"]


@pytest.mark.parametrize("ref,expected", [
    ("001_alpha.txt", "001_alpha.txt"), ("001_alpha", "001_alpha.txt"), ("001", "001_alpha.txt"),
    ("002", "002_beta.txt"),
])
def test_resolve_name(tmp_path: Path, ref: str, expected: str) -> None:
    c = Corpus.from_dir(make_corpus(tmp_path / "c"))
    assert c.resolve_name(ref) == expected


def test_unknown_document_suggests(tmp_path: Path) -> None:
    c = Corpus.from_dir(make_corpus(tmp_path / "c"))
    with pytest.raises(InputError) as e:
        c.resolve_name("001_alfa.txt")
    p = e.value.problems[0]
    assert "not in the corpus" in p.message and p.fix is not None
    assert "did you mean '001_alpha.txt'" in p.fix


def test_ambiguous_prefix(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "c")
    (root / "001_other.txt").write_text("x", encoding="utf-8")
    c = Corpus.from_dir(root)
    with pytest.raises(InputError, match="matches 2 documents"):
        c.resolve_name("001")


@pytest.mark.parametrize("bad", ["missing", "file"])
def test_bad_corpus_folder(tmp_path: Path, bad: str) -> None:
    target = tmp_path / "nowhere"
    if bad == "file":
        target.write_text("x", encoding="utf-8")
    with pytest.raises(InputError) as e:
        Corpus.from_dir(target)
    p = e.value.problems[0]
    assert p.field == "--corpus" and p.file == str(target) and p.fix


def test_empty_corpus_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"holds no \.txt documents"):
        Corpus.from_dir(tmp_path / "empty")


# ------------------------------------------------------------------------ path safety

@pytest.mark.parametrize("name", [
    "../secret.txt", "..", "../../etc/passwd", "/etc/passwd", "sub/001_alpha.txt",
    "..\\secret.txt", "001_alpha.txt\x00", ".hidden.txt", "~/secret.txt", "",
])
def test_path_like_names_are_refused(tmp_path: Path, name: str) -> None:
    root = make_corpus(tmp_path / "c")
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    c = Corpus.from_dir(root)
    with pytest.raises(InputError) as e:
        c.document(name)
    assert e.value.problems[0].field == "doc"
    with pytest.raises(InputError):
        c.safe_path(name)


def test_symlink_leading_outside_is_left_out(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "c")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET phrase", encoding="utf-8")
    os.symlink(secret, root / "003_escape.txt")
    os.symlink(root / "002_beta.txt", root / "004_inside.txt")
    c = Corpus.from_dir(root)
    assert "003_escape.txt" not in c.names and "003_escape.txt" in c.skipped
    assert "004_inside.txt" in c.names  # a link that stays inside is fine
    assert c.safe_path("004").is_relative_to(root.resolve())
    with pytest.raises(InputError, match="left out"):
        c.document("003_escape.txt")


def test_symlinked_directory_document_is_left_out(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "c")
    (tmp_path / "d.txt").mkdir()
    os.symlink(tmp_path / "d.txt", root / "005_dir.txt")
    assert "005_dir.txt" not in Corpus.from_dir(root).names


def test_document_swapped_for_escaping_link_after_listing(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "c")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET phrase", encoding="utf-8")
    c = Corpus.from_dir(root)
    (root / "002_beta.txt").unlink()
    os.symlink(secret, root / "002_beta.txt")
    with pytest.raises(InputError, match="outside the corpus"):
        _ = c.document("002").text
    with pytest.raises(InputError, match="outside the corpus"):
        c.safe_path("002")


def test_safe_path_stays_inside(tmp_path: Path) -> None:
    root = make_corpus(tmp_path / "c")
    c = Corpus.from_dir(root)
    for n in c.names:
        assert c.safe_path(n).parent == root.resolve()


def test_locate_reports_closest_text(tmp_path: Path) -> None:
    c = Corpus.from_dir(make_corpus(tmp_path / "c"))
    m = c.locate("001", "integration stalled")
    assert m.doc == "001_alpha.txt" and m.line == 3
    with pytest.raises(InputError) as e:
        c.locate("001", "integration collapsed entirely")
    p = e.value.problems[0]
    assert p.field == "locator" and p.fix is not None and "line 3" in p.fix
