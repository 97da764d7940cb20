"""``sdg export opensdg|sdmx``: the warehouse's values for the national platform and for SDMX receivers."""

from __future__ import annotations

import argparse
from pathlib import Path

from etl import config


def add_commands(sub: argparse._SubParsersAction, default_year: int) -> None:
    export = sub.add_parser("export", help="values in the national platform's format and SDMX").add_subparsers(
        title="export commands"
    )
    opensdg = export.add_parser(
        "opensdg",
        help="data/indicator_<id>.csv files of the national platform (whole series: the platform's values, "
        "and the project's up to --year)",
    )
    sdmx = export.add_parser("sdmx", help="SDMX-CSV 2.0 and SDMX-ML of the facts up to --year (SDG DSD)")
    for command, func in ((opensdg, _opensdg), (sdmx, _sdmx)):
        command.add_argument("--year", type=int, default=default_year, help="reporting year (default: %(default)s)")
        command.add_argument("--out", type=Path, help="folder (default: var/exports/<year>/<format>)")
        command.set_defaults(func=func)


def default_folder(year: int, kind: str) -> Path:
    return config.data_dir() / "exports" / str(year) / kind


def _opensdg(args: argparse.Namespace) -> int:
    from etl.exports.opensdg import MANIFEST, export_opensdg
    from etl.warehouse.connection import get_engine

    out = args.out or default_folder(args.year, "opensdg")
    with get_engine().connect() as conn:
        export = export_opensdg(conn, args.year, out)
    rows = export.rows
    print(
        f"{len(export.files)} files in {out / 'data'}: {rows['platform']} values from the platform, "
        f"{rows['project']} of the project's up to {args.year}, {rows['carried']} carried as published"
    )
    replaced = sum(len(f.replaced) for f in export.files)
    if replaced:
        print(f"{replaced} platform values replaced by the project's facts (listed in {out / MANIFEST})")
    return 0


def _sdmx(args: argparse.Namespace) -> int:
    from etl.exports.sdmx_export import export_sdmx
    from etl.warehouse.connection import get_engine

    out = args.out or default_folder(args.year, "sdmx")
    with get_engine().connect() as conn:
        export = export_sdmx(conn, args.year, out)
    print(
        f"{export.observations} observations up to {args.year}: {export.csv} (SDMX-CSV 2.0), {export.xml} "
        f"(SDMX-ML 2.1 structure-specific), structure {export.structure}"
    )
    return 0 if export.observations else 1
