"""Where data sets live, which one is active, and the resolver every data loader reads through.

A data set is a folder ``<data dir>/<name>/`` holding full copies of the bundled data files it
may change (:data:`FILES`), a ``manifest.json`` (its parent, what was imported from where, the
SHA-256 of the imported file and of every file of the set, the last year of each series) and a
``SOURCES.md``. Folders are written to a temporary folder and renamed into place, so a failed
import leaves nothing behind and a data set never changes once written. Files a set does not
hold (the map, the DEU III data, the coalition fit) come from the bundled data.

The bundled set is called ``bundled``. Depends on the standard library and platformdirs.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from multipolar.core.errors import InputError
from multipolar.core.textformat import register_data_label

ENV_DIR = "MULTIPOLAR_DATA_DIR"
"""Environment variable naming the data directory (overrides the platformdirs default)."""
ENV_ACTIVE = "MULTIPOLAR_DATA"
"""Environment variable naming the active data set (what ``--data`` sets)."""
BUNDLED = "bundled"
"""Name of the data set shipped with the package."""
MANIFEST = "manifest.json"

FILES = (
    "actor_year_panel.csv", "unga_idealpoints.csv", "unga_agreement.csv", "brent_annual.csv",
    "igo_membership.csv", "global/countries.parquet", "global/country_year.parquet",
    "global/unga_rollcalls.parquet", "global/unga_votes.parquet", "events.yaml",
)
"""Files a data set holds (paths relative to the data folder); others come from the bundle."""

SERIES = ("unga-votes", "idealpoints", "vdem", "oil", "events")
"""The importable series (the KIND of ``multipolar data import``)."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def bundled_dir() -> Path:
    """The package's data folder."""
    return Path(str(resources.files("multipolar") / "data"))


def data_root() -> Path:
    """The user data directory of the data sets (``MULTIPOLAR_DATA_DIR`` or platformdirs)."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    # lazy: keeps start-up fast (loads platformdirs)
    import platformdirs

    return Path(platformdirs.user_data_dir("multipolar")) / "datasets"


@dataclass(frozen=True)
class DataSet:
    """One data set: ``path`` is None for the bundled one."""

    name: str
    path: Path | None
    manifest: dict[str, Any]

    def file(self, rel: str) -> Path:
        """Path of a data file of this set (the bundled file where the set has none)."""
        if self.path is not None and (self.path / rel).is_file():
            return self.path / rel
        return bundled_dir() / rel

    @property
    def series(self) -> dict[str, int | None]:
        """Last year of each series (``None``: no rows)."""
        return dict(self.manifest.get("series", {}))


def check_name(name: str) -> str:
    """A valid data set name, or a located error."""
    if name == BUNDLED or not _NAME.match(name):
        raise InputError(f"'{name}' is not a usable data set name", field="--as",
                         fix="letters, digits, '.', '_' or '-' (at most 64), not 'bundled'")
    return name


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"data set manifest unreadable ({exc})", file=str(path / MANIFEST),
                         fix="remove the folder, or import the data again") from None
    if not isinstance(data, dict):
        raise InputError("data set manifest is not an object", file=str(path / MANIFEST),
                         fix="remove the folder, or import the data again")
    return data


def bundled_manifest() -> dict[str, Any]:
    """The bundled set's manifest: its series and last years (computed once)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.datasets.tables import series_last_years

    return {"name": BUNDLED, "seq": 0, "parent": None, "series": series_last_years(None)}


def versions() -> list[DataSet]:
    """The imported data sets, oldest first (by their sequence number)."""
    root = data_root()
    try:
        stamp = root.stat().st_mtime_ns  # a new data set is renamed in: the folder changes
    except OSError:
        return []
    return list(_versions_at(str(root), stamp))


@lru_cache(maxsize=8)
def _versions_at(root: str, stamp: int) -> tuple[DataSet, ...]:
    del stamp  # the cache key
    out = []
    for p in Path(root).iterdir():
        if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file():
            out.append(DataSet(p.name, p, _load_manifest(p)))
    return tuple(sorted(out, key=lambda d: (int(d.manifest.get("seq", 0)), d.name)))


def get(name: str) -> DataSet:
    """The data set ``name`` (``bundled`` or an imported one), or a located error."""
    if name == BUNDLED:
        return DataSet(BUNDLED, None, bundled_manifest())
    for d in versions():
        if d.name == name:
            return d
    known = [BUNDLED] + [d.name for d in versions()]
    raise InputError(f"no data set '{name}'", field="--data",
                     fix=f"one of: {', '.join(known)} (see `multipolar data list`)")


def active_name() -> str:
    """The active data set: ``MULTIPOLAR_DATA`` if set, else the newest import, else bundled."""
    env = os.environ.get(ENV_ACTIVE)
    if env:
        return env
    vs = versions()
    return vs[-1].name if vs else BUNDLED


def activate(name: str | None) -> str:
    """Make ``name`` the active data set for this process and its children (None: default)."""
    if name is None:
        return active_name()
    get(name)  # a located error if unknown
    os.environ[ENV_ACTIVE] = name
    return name


def resolve(rel: str) -> Path | None:
    """The active data set's copy of data file ``rel``, or None to use the bundled file.

    Every loader of the bundled data asks this first (:func:`multipolar.data.data_path`,
    :mod:`multipolar.data.global_tables`), so an imported data set replaces the bundled files
    everywhere without changes to the workflows.
    """
    name = active_name()
    if name == BUNDLED:
        return None
    rel = rel.replace("\\", "/")
    if rel not in FILES:
        return None
    ds = get(name)
    assert ds.path is not None
    p = ds.path / rel
    return p if p.is_file() else None


def active_label() -> str | None:
    """Provenance tag of the active data set (None for the bundled set, which is the default)."""
    name = active_name()
    return None if name == BUNDLED else name


register_data_label(active_label)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(ds: DataSet) -> list[str]:
    """Files of an imported set whose checksum differs from its manifest (empty: all good)."""
    if ds.path is None:
        return []
    bad = []
    for rel, digest in dict(ds.manifest.get("files", {})).items():
        p = ds.path / rel
        if not p.is_file() or sha256(p) != digest:
            bad.append(rel)
    return bad


def next_seq() -> int:
    """Sequence number of the next data set."""
    vs = versions()
    return max([int(d.manifest.get("seq", 0)) for d in vs] + [0]) + 1


def commit(name: str, build: Callable[[Path], dict[str, Any]], sources_entry: str,
           parent: DataSet) -> DataSet:
    """Write a data set atomically (a temporary folder renamed into place).

    ``build(tmp)`` fills a temporary folder and returns the manifest fields; checksums,
    SOURCES.md and the manifest are added and the folder renamed to ``name``. On any error the
    temporary folder is removed and nothing else has changed.
    """
    check_name(name)
    root = data_root()
    final = root / name
    if final.exists():
        raise InputError(f"data set '{name}' exists already", file=str(final), field="--as",
                         fix="choose another name with --as (data sets never change once "
                             "written)")
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=root))
    try:
        fields = build(tmp)
        for rel in FILES:  # what the build did not write is copied from the parent
            dst = tmp / rel
            if not dst.exists():
                src = parent.file(rel)
                if src.is_file():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(src, dst)
        old = parent.file("SOURCES.md") if parent.path is not None else None
        head = (old.read_text(encoding="utf-8") if old is not None and old.is_file()
                else "# Data set sources\n\nStarts from the bundled data (see the package's "
                     "`data/SOURCES.md` and `data/global/SOURCES.md`).\n")
        (tmp / "SOURCES.md").write_text(head.rstrip("\n") + "\n\n" + sources_entry.strip()
                                        + "\n", encoding="utf-8")
        files = {rel: sha256(tmp / rel) for rel in (*FILES, "SOURCES.md")
                 if (tmp / rel).is_file()}
        manifest = {"name": name, "seq": next_seq(), "parent": parent.name, **fields,
                    "files": files}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                    encoding="utf-8")
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return get(name)
