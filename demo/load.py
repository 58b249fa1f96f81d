"""`python -m etl demo`: writes raw demo files, then loads them through the same readers."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import time
from pathlib import Path

from core import settings
from etl.load import LoadOptions, load_files


def run_demo(scale: str, seed: int, end: dt.date | None, days: int | None, out: Path | None, db: Path,
             volume: float = 1.0) -> int:
    from demo.generate import write_demo_files
    out = Path(out or settings.REPO_ROOT / "data" / "demo" / scale)
    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    files = write_demo_files(out, scale=scale, seed=seed, end=end, days=days, volume_factor=volume)
    written = time.perf_counter() - t0
    size = sum(f.stat().st_size for f in files)
    print(f"已生成 {len(files)} 个演示文件（{size / 1e6:.1f} MB，{written:.1f} 秒）：{out}")
    pack = out / "reference"
    if pack.exists():  # larger scales bring their own neighbourhoods
        os.environ["BOARD_REFERENCE"] = str(pack)
    t1 = time.perf_counter()
    options = LoadOptions(progress=sys.stderr.isatty())
    results = load_files(None, files, db, options)  # one generation; loaded source by source
    loaded = sum(r.rows_loaded for r in results)
    rejected = sum(r.rows_rejected for r in results)
    refused = [r for r in results if r.status == "refused"]
    for r in refused:
        print(r.line(), file=sys.stderr)
    print(f"已导入 {loaded} 行，拒收 {rejected} 行，拒收文件 {len(refused)} 个，用时 {time.perf_counter() - t1:.1f} 秒")
    from core.users import DEMO_USERS, ensure_demo_users
    if ensure_demo_users():
        accounts = "、".join(f"{name}/{password}" for name, _, _, password in DEMO_USERS)
        print(f"已创建演示账号（用户名/密码）：{accounts}")
    print(f"数据库：{db}　启动看板：streamlit run board_server.py")
    return 0
