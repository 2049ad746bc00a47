"""Synthetic sampling frames for the round tests and the end-to-end run."""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

FIELDS = ("Đất đai", "Hộ tịch", "Xây dựng", "Đăng ký kinh doanh", "Chứng thực")
HEADER = ("Mã hồ sơ", "Mã đơn vị", "Lĩnh vực", "Ngày trả kết quả", "Địa chỉ")


def frame_rows(units: Sequence[str], size: int, seed: int = 7) -> list[tuple]:
    """Return ``size`` dossiers spread unevenly over ``units`` and fields in 2021."""
    generator = random.Random(seed)
    weights = [1 + (i % 5) for i in range(len(units))]
    rows = []
    for number in range(size):
        unit = generator.choices(units, weights)[0]
        field = generator.choices(FIELDS, (5, 3, 2, 1, 1))[0]
        day = date(2021, 1, 1) + timedelta(days=generator.randrange(365))
        rows.append(
            (
                f"{unit}-{number:07d}",
                unit,
                field,
                day.isoformat(),
                f"Số {number % 300} đường Lê Lợi",
            )
        )
    return rows


def write_csv(path: Path, rows: Sequence[tuple], bom: bool = True) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def binh_dinh_units() -> list[str]:
    """Return the codes of the ranked units in the agency file, in file order."""
    import yaml

    from survey.config import PROJECT_ROOT

    data = yaml.safe_load(
        (PROJECT_ROOT / "agencies" / "binh-dinh-2021.yaml").read_text()
    )
    return [
        unit["code"] for group in data["groups"].values() for unit in group["units"]
    ]


if __name__ == "__main__":
    # python -m tests.rounds.frames OUT.csv SIZE: a frame over the Bình Định units.
    import sys

    write_csv(Path(sys.argv[1]), frame_rows(binh_dinh_units(), int(sys.argv[2])))
