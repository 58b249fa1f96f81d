"""Helpers for the operations tests (rebuild, purge, backup): small files with devices,
a table-by-table dump of a database, a copy of the session's demo database."""
from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from etl import store

# Quarantines with door sensors: 周树人 (released) and 钱学森 (left) end in mid-February,
# 林徽因 is still in care in March. MC903 is a device no roster row names.
ROSTER_DEVICES = """姓名,身份证号,联系电话,居民区,居住地址,抵沪日期,管控措施,隔离开始日期,隔离结束日期,状态,门磁设备编号
周树人,310110197306060173,13700001111,临沂七村,南码头路801弄3号502室,2020-02-01,居家隔离,2020-02-01,2020-02-14,已解除,MC901
林徽因,341203198801010031,13900001234,六里四,南码头路300弄1号201室,2020-02-20,居家隔离,2020-02-20,2020-03-05,在管,MC902
钱学森,420902199707070098,13812345678,鹏欣,南码头路100弄2号101室,2020-02-02,集中隔离,2020-02-02,2020-02-15,转出,
"""
ALARMS_DEVICES = """报警编号,设备编号,设备类型,报警类型,报警时间,处置状态,处置人,处置时间,处置结果
,MC901,门磁,开门,2020-02-05 21:00,已处置,陈建国,2020-02-05 21:10,住户取快递
,MC901,门磁,开门,2020-02-06 08:00,未处置,,,
,MC902,门磁,开门,2020-02-22 21:00,已处置,陈建国,2020-02-22 21:05,已核实
V77,MC903,门磁,离线,2020-02-03 09:00,处置中,,,
"""
# A later report of 林徽因 (released at the end of her quarantine) and a new alarm.
ROSTER_LATER = """姓名,身份证号,联系电话,居民区,居住地址,抵沪日期,管控措施,隔离开始日期,隔离结束日期,状态,门磁设备编号
林徽因,341203198801010031,13900001234,六里四,南码头路300弄1号201室,2020-02-20,居家隔离,2020-02-20,2020-03-05,已解除,MC902
"""
ALARMS_LATER = """报警编号,设备编号,设备类型,报警类型,报警时间,处置状态
,MC902,门磁,开门,2020-03-01 07:30,未处置
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def tables(db_path: Path) -> dict[str, list[tuple]]:
    """Every base table, all its columns, ORDER BY ALL (its key first)."""
    con = duckdb.connect(str(Path(db_path).resolve()), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in names}
    finally:
        con.close()


def copy_database(source: Path, db_path: Path) -> Path:
    """A private copy of a database (the session demo must not be written to)."""
    gen = store.generations_dir(db_path)
    gen.mkdir(parents=True, exist_ok=True)
    first = gen / f"{db_path.stem}-000001.duckdb"
    shutil.copyfile(Path(source).resolve(), first)
    store.publish(db_path, first)
    return db_path
