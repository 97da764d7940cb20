"""``sdg catalogue ...``: importing the people-edited catalogue from the national platform and from XLSX."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

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
    add_import_commands(catalogue)


def _import_opensdg(args: argparse.Namespace) -> int:
    from etl.catalogue.opensdg_import import extend_typical_list, import_opensdg, indicator_sort_key
    from etl.sources.opensdg.client import opensdg_url

    summary = import_opensdg(args.repo or opensdg_url())
    for line in summary.lines():
        print(line)
    if args.typical_list:
        added = extend_typical_list(config.catalogue_files_dir(), sorted(summary.mapped, key=indicator_sort_key))
        print(f"typical list: {len(added)} indicators added (classification 2): {', '.join(added) or 'none'}")
    folder = config.catalogue_files_dir()
    print(f"written: {folder / 'indicators.csv'}, {folder / 'series/opensdg.csv'}")
    print("next: sdg db migrate (loads and checks the catalogue)")
    return 0


#: command → (module, function, what the file holds)
IMPORTS = {
    "import-appendix1": ("etl.catalogue.appendix1_import", "import_appendix1", "a region's edited Appendix 1 (XLSX)"),
    "import-plans": ("etl.catalogue.plans", "import_plans", "plan values (templates/plans.xlsx or .csv)"),
    "import-activities": ("etl.catalogue.activities", "import_activities", "activities (templates/activities.xlsx)"),
    "import-planning": (
        "etl.catalogue.planning",
        "import_planning_register",
        "the para 26 register of planning documents (templates/planning_documents.xlsx)",
    ),
}


def add_import_commands(catalogue: argparse._SubParsersAction) -> None:
    for command, (_, _, what) in IMPORTS.items():
        parser = catalogue.add_parser(command, help=f"check and import {what} into the catalogue and warehouse")
        parser.add_argument("file", type=Path)
        parser.set_defaults(func=_import_file, command=command)


def _import_file(args: argparse.Namespace) -> int:
    """Every import checks the whole file, then writes the catalogue and the warehouse together, or nothing."""
    import importlib

    from etl.warehouse.connection import get_engine

    module, function, _ = IMPORTS[args.command]
    run = getattr(importlib.import_module(module), function)
    with get_engine().begin() as conn:
        result = run(args.file, conn=conn)
    fields = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    print(f"{args.file}: imported; " + ", ".join(f"{k}={_short(v)}" for k, v in fields.items()))
    return 0


def _short(value: object) -> str:
    if isinstance(value, list | tuple) and len(value) > 6:
        return f"{len(value)} items"
    return str(value)
