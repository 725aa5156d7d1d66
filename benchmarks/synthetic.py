"""Build a synthetic corpus of N distinct reports from the sample report and ../shared/corpus texts.

Each copy gets another issuer name (a real county-level place name with the same
suffix kind), a shifted year and every Arabic number in its body perturbed, so no
two files are identical and the cache cannot short-circuit the benchmark.

    python benchmarks/synthetic.py OUT_DIR --n 1000
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / ".." / "shared"

_PLACES = ["互助土族自治县", "平安区", "乐都区", "民和回族土族自治县", "化隆回族自治县", "循化撒拉族自治县",
           "洪泽区", "淮安区", "清江浦区", "涟水县", "盱眙县", "金湖县", "平潭县", "闽侯县", "连江县",
           "罗源县", "闽清县", "永泰县", "长乐区", "福清市", "黄浦区", "徐汇区", "长宁区", "静安区"]


def source_texts() -> list[tuple[str, str]]:
    """(name, text) of the text-format sample reports available here."""
    from govtext.io import read_file

    paths = sorted((ROOT / "data" / "reports").glob("*.txt"))
    if (SHARED / "corpus").exists():
        paths += sorted((SHARED / "corpus" / "pingtan").glob("*.txt"))
        paths += [SHARED / "corpus" / "shanghai_office_2025.md"]
    out = []
    for p in paths:
        doc = read_file(p)
        header = "".join(f"{k}: {v}\n" for k, v in (("标题", doc.meta.get("title")),
                                                    ("发布时间", doc.meta.get("published"))) if v)
        out.append((p.name, (header + "==================== 正文 ====================\n" if header else "") + doc.text))
    return out


def make_corpus(dest: Path, n: int, seed: int = 0) -> list[Path]:
    rng = random.Random(seed)
    dest.mkdir(parents=True, exist_ok=True)
    sources = source_texts()
    written = []
    for i in range(n):
        name, text = sources[i % len(sources)]
        place = _PLACES[(i // len(sources)) % len(_PLACES)]
        text = re.sub(r"互助土族自治县|互助县|平潭综合实验区|平潭县|上海市人民政府办公厅", place, text)
        text = re.sub(r"(?<=[^\d])(\d{2,5})(?=[条件次个人家])",
                      lambda m: str(int(m.group(1)) + rng.randint(0, 9)), text)
        path = dest / f"{i:05d}_{Path(name).stem}.txt"
        path.write_text(text + f"\n（编号{i}）\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    print(len(make_corpus(Path(args.out), args.n)), "files written to", args.out)
