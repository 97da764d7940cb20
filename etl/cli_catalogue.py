"""``sdg catalogue ...``: importing the people-edited catalogue from the national platform and from XLSX."""

from __future__ import annotations

import argparse

from etl import config


def add_commands(sub: argparse._SubParsersAction) -> None:
    catalogue = sub.add_parser("catalogue", help="import the catalogue (national platform, XLSX)").add_subparsers(
        title="catalogue commands"
    )
    opensdg = catalogue.add_parser(
        "import-opensdg", help="the national indicator list and platform mappings from the Open SDG repository"
    )
    opensdg.add_argument("--repo", help="URL or local clone (default: SDG_OPENSDG_URL, else the platform's)")
    opensdg.add_argument(
        "--typical-list",
        action="store_true",
        help="also append indicators with regional values missing from the typical list (appendix1.csv, class 2)",
    )
    opensdg.set_defaults(func=_import_opensdg)


def _import_opensdg(args: argparse.Namespace) -> int:
    from etl.catalogue.opensdg_import import extend_typical_list, import_opensdg, indicator_sort_key
    from etl.sources.opensdg.client import opensdg_url

    summary = import_opensdg(args.repo or opensdg_url())
    for line in summary.lines():
        print(line)
    if args.typical_list:
        added = extend_typical_list(config.catalogue_dir(), sorted(summary.mapped, key=indicator_sort_key))
        print(f"typical list: {len(added)} indicators added (classification 2): {', '.join(added) or 'none'}")
    print(f"written: {config.catalogue_dir() / 'indicators.csv'}, {config.catalogue_dir() / 'series/opensdg.csv'}")
    print("next: sdg db migrate (loads and checks the catalogue)")
    return 0
