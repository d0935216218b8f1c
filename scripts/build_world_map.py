"""Convert Natural Earth country shapes into the compact bundled map geometry.

Input: TopoJSON from the npm package ``world-atlas``; output:
``src/multipolar/data/global/world_map.json.gz``.

Usage::

    cd /tmp && npm pack world-atlas i18n-iso-countries   # then untar both
    python scripts/build_world_map.py /tmp/wa/package/countries-50m.json \
        /tmp/wa/iso/package/codes.json

The output maps ISO 3166 alpha-3 codes to lists of rings; each ring is a flat list of integer
coordinates in hundredths of a degree, delta-encoded (first point absolute). Antarctica is
dropped. Depends on the standard library only.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

OUT = (Path(__file__).resolve().parents[1] / "src" / "multipolar" / "data" / "global"
       / "world_map.json.gz")
EXTRA = {"Kosovo": "XKX", "N. Cyprus": "CYN", "Somaliland": "SOL"}


def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a[1:] if pts else a)
    return pts


def _encode(ring: list[tuple[float, float]]) -> list[int]:
    flat: list[int] = []
    px = py = 0
    last = None
    for lon, lat in ring:
        q = (round(lon * 100), round(lat * 100))
        if q == last:
            continue
        flat += [q[0] - px, q[1] - py]
        px, py = q
        last = q
    return flat


def main(topo_path: Path, codes_path: Path) -> None:
    """Write the bundled map from the TopoJSON file and the ISO code table."""
    topo = json.loads(topo_path.read_text())
    num2a3 = {row[2]: row[1] for row in json.loads(codes_path.read_text())}
    arcs = _decode_arcs(topo)
    shapes: dict[str, list[list[int]]] = {}
    for g in topo["objects"]["countries"]["geometries"]:
        name = g.get("properties", {}).get("name", "")
        code = num2a3.get(str(g.get("id", "")).zfill(3)) or EXTRA.get(name)
        if code is None or code == "ATA" or g["type"] not in ("Polygon", "MultiPolygon"):
            print("skipped", g.get("id"), name)
            continue
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        for poly in polys:
            for k, ring_idx in enumerate(poly):
                enc = _encode(_ring(arcs, ring_idx))
                if len(enc) >= 6:
                    # holes are marked by a leading 1, outer rings by 0
                    shapes.setdefault(code, []).append([1 if k else 0, *enc])
    OUT.write_bytes(gzip.compress(json.dumps(shapes, separators=(",", ":")).encode(),
                                  compresslevel=9, mtime=0))
    print(f"{len(shapes)} shapes, {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
