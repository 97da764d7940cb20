"""Write the synthetic Open SDG sample CSVs served by the replay server (deterministic, stdlib only).

Column layouts, code lists and file quirks copy the real repository (``../shared/data/kazstat-sdg-data``);
every value is a seeded random number, not a statistic. Run: ``python samples/opensdg/make_samples.py``.
"""

from __future__ import annotations

import random
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data"
YEARS = range(2015, 2024)
#: KZxx codes of the national platform: 17 regions that exist throughout, then the changes of 2018 and 2022
STABLE = "KZAKM KZAKT KZALM KZATY KZZAP KZZHA KZKAR KZKUS KZKZY KZMAN KZPAV KZSEV KZVOS KZNS KZALA".split()


def regions(year: int) -> list[str]:
    codes = [*STABLE, *(["KZONT"] if year < 2018 else ["KZYUZ", "KZSHY"])]
    return codes + (["KZABY", "KZZHS", "KZULU"] if year >= 2022 else [])


def _num(rng: random.Random, low: float, high: float, digits: int = 1) -> str:
    return f"{rng.uniform(low, high):.{digits}f}"


def indicator_1_2_1(rng: random.Random) -> str:
    """Poverty share: UNIT_MEASURE, URBANISATION, SEX, REF_AREA (the real column order)."""
    lines = ["Year,UNIT_MEASURE,URBANISATION,SEX,REF_AREA,Value"]
    for year in YEARS:
        lines.append(f"{year},PT,,,,{_num(rng, 4, 6)}")
        lines += [f"{year},PT,{u},,,{_num(rng, 3, 8)}" for u in ("U", "R")]
        lines += [f"{year},PT,,{s},,{_num(rng, 3, 7)}" for s in ("M", "F")]
        lines += [f"{year},PT,,,{code},{_num(rng, 2, 12)}" for code in regions(year)]
    return "\n".join(lines) + "\n"


def indicator_3_2_1(rng: random.Random) -> str:
    """Under-five mortality: UNIT_MEASURE, SEX, URBANISATION, REF_AREA; CRLF line ends like some real files."""
    lines = ["Year,UNIT_MEASURE,SEX,URBANISATION,REF_AREA,Value"]
    for year in YEARS:
        lines.append(f"{year},PER_1000_LIVE_BIRTHS,,,,{_num(rng, 8, 12)}")
        lines += [f"{year},PER_1000_LIVE_BIRTHS,{s},,,{_num(rng, 7, 13)}" for s in ("M", "F")]
        lines += [f"{year},PER_1000_LIVE_BIRTHS,,,{code},{_num(rng, 6, 16)}" for code in regions(year)]
    return "\r\n".join(lines) + "\r\n"


def indicator_9_2_1(rng: random.Random) -> str:
    """Manufacturing value added: two units for the same cuts, so UNIT_MEASURE must stay in the dims."""
    lines = ["Year,UNIT_MEASURE,REF_AREA,Value"]
    for year in YEARS:
        for unit, low, high in (("PT_IN_2010_PRICE", 5, 20), ("USD_IN_2010_PRICE", 100, 2000)):
            lines.append(f"{year},{unit},,{_num(rng, low, high)}")
            lines += [f"{year},{unit},{code},{_num(rng, low, high)}" for code in regions(year)]
    return "\n".join(lines) + "\n"


def indicator_5_5_2(rng: random.Random) -> str:
    """Women in management: a byte order mark and a trailing comma (an empty-named column), as in the real file."""
    lines = ["\ufeffYear,UNIT_MEASURE,REF_AREA,URBANISATION,AGE,Value,"]
    for year in YEARS:
        lines.append(f"{year},PT,,,,{_num(rng, 35, 45)},")
        lines += [f"{year},PT,,,{age},{_num(rng, 20, 50)}," for age in ("Y15T24", "Y25T54", "Y_GE55")]
        lines += [f"{year},PT,{code},,,{_num(rng, 30, 50)}," for code in regions(year)]
    return "\n".join(lines) + "\n"


def indicator_16_6_2_2(rng: random.Random) -> str:
    """A national-only indicator in the older Open SDG layout (``Units``), no final line break."""
    return "Year,Units,Value\n" + "\n".join(f"{year},PT,{_num(rng, 50, 90)}" for year in range(2020, 2024))


SAMPLES = {
    "1-2-1": indicator_1_2_1,
    "3-2-1": indicator_3_2_1,
    "9-2-1": indicator_9_2_1,
    "5-5-2": indicator_5_5_2,
    "16-6-2-2": indicator_16_6_2_2,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for indicator_id, make in SAMPLES.items():
        path = OUT / f"indicator_{indicator_id}.csv"
        path.write_bytes(make(random.Random(indicator_id)).encode("utf-8"))
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
