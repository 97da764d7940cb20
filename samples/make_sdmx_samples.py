"""Write the SDMX samples: one small SYNTHETIC dataset as SDMX-ML 2.1, SDMX-JSON 1.0 and SDMX-CSV 2.0.

The three files carry the same observations, so a test can show that every format parses into the same
canonical frame. SDMX-ML and SDMX-CSV are written by sdmx1's own writers from one in-memory message;
sdmx1 has no SDMX-JSON writer, so the JSON message is assembled here by hand following the SDMX-JSON
1.0 data-message layout (dimensions/attributes listed under ``structure``, observations as indices).
The data structure is a cut-down copy of the SDG DSD (IAEG-SDGs:SDG 1.8: the dimensions and attributes
this dataset uses, without code lists), written as an SDMX-ML 2.1 structure message that the
SDMX-CSV reader needs. Run: ``.venv/bin/python samples/make_sdmx_samples.py``.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import sdmx
from sdmx.message import DataMessage, Header, StructureMessage
from sdmx.model import common, v21

ROOT = Path(__file__).resolve().parent / "sdmx"
FLOW = "DF_SDG_KZ"
KEY = "A.N.SI_POV_NAHC...."  # FREQ.REPORTING_TYPE.SERIES.REF_AREA.SEX.AGE.URBANISATION
DIMENSIONS = ("FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION")
ATTRIBUTES = ("UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "NATURE")
SERIES_ATTRIBUTES = ("UNIT_MEASURE", "UNIT_MULT")  # attached to the series; the others to observations
PREPARED = datetime(2025, 3, 1)

#: (REF_AREA, SEX, URBANISATION) -> {year: (value text or None, OBS_STATUS)}; synthetic numbers
DATA: dict[tuple[str, str, str], dict[str, tuple[str | None, str]]] = {
    ("KZ", "_T", "_T"): {"2021": ("5.2", "A"), "2022": ("5.2", "A"), "2023": ("4.7", "A")},
    ("KZ", "F", "_T"): {"2021": ("5.4", "A"), "2022": ("5.3", "A"), "2023": ("4.9", "A")},
    ("KZ", "M", "_T"): {"2021": ("5", "A"), "2022": ("5.1", "A"), "2023": ("4.5", "A")},
    ("KZ", "_T", "U"): {"2023": ("3.1", "A")},
    ("KZ", "_T", "R"): {"2023": ("6.9", "A")},
    ("KZ-11", "_T", "_T"): {"2021": ("6.1", "A"), "2022": ("5.8", "A"), "2023": ("5.5", "E")},
    ("KZ-75", "_T", "_T"): {"2021": ("2.3", "A"), "2022": (None, "C"), "2023": ("2.05", "A")},
    ("KZ-71", "_T", "_T"): {"2021": ("1.9", "A"), "2022": ("1.75", "A"), "2023": (None, "M")},
}


def structures() -> tuple[v21.DataStructureDefinition, v21.DataflowDefinition]:
    agency = common.Agency(id="IAEG-SDGs")
    dsd = v21.DataStructureDefinition(id="SDG", version="1.8", maintainer=agency, is_external_reference=False)
    for order, dim_id in enumerate(DIMENSIONS, start=1):
        dsd.dimensions.getdefault(dim_id, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v21.TimeDimension, order=len(DIMENSIONS) + 1)
    dsd.measures.getdefault("OBS_VALUE")
    for attr_id in ATTRIBUTES:
        level = "Series" if attr_id in SERIES_ATTRIBUTES else "Observation"
        dsd.attributes.getdefault(attr_id, usage_status=v21.UsageStatus.conditional, related_to=_relation(dsd, level))
    flow = v21.DataflowDefinition(id=FLOW, version="1.0", maintainer=agency, structure=dsd)
    return dsd, flow


def _relation(dsd: v21.DataStructureDefinition, level: str) -> common.AttributeRelationship:
    if level == "Observation":
        return v21.PrimaryMeasureRelationship()
    dims = [d for d in dsd.dimensions if d.id != "TIME_PERIOD"]
    return v21.DimensionRelationship(dimensions=dims)


def message(dsd: v21.DataStructureDefinition, flow: v21.DataflowDefinition, generic: bool) -> DataMessage:
    cls = v21.GenericDataSet if generic else v21.StructureSpecificDataSet
    ds = cls(structured_by=dsd, described_by=flow, action=common.ActionType.information)
    attrs = {a.id: a for a in dsd.attributes}
    for (area, sex, urb), years in DATA.items():
        values = {"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": "SI_POV_NAHC", "REF_AREA": area}
        values.update({"SEX": sex, "AGE": "_T", "URBANISATION": urb})
        series_key = dsd.make_key(v21.SeriesKey, values)
        series_key.attrib.update(
            {
                a: v21.AttributeValue(value=v, value_for=attrs[a])
                for a, v in (("UNIT_MEASURE", "PT"), ("UNIT_MULT", "0"))
            }
        )
        obs = []
        for year, (value, status) in years.items():
            obs.append(
                v21.Observation(
                    series_key=series_key,
                    dimension=dsd.make_key(common.Key, {"TIME_PERIOD": year}),
                    value=value if value is not None else "NaN",
                    value_for=dsd.measures[0],
                    attached_attribute={
                        "OBS_STATUS": v21.AttributeValue(value=status, value_for=attrs["OBS_STATUS"]),
                        "NATURE": v21.AttributeValue(value="N", value_for=attrs["NATURE"]),
                    },
                )
            )
        ds.add_obs(obs, series_key)
    header = Header(id="SDG_KZ_SAMPLE", prepared=PREPARED, sender=common.Agency(id="KZ_STAT"), test=True)
    dim_at_obs = dsd.dimensions.get("TIME_PERIOD")
    return DataMessage(header=header, data=[ds], dataflow=flow, observation_dimension=dim_at_obs)


def data_xml(msg: DataMessage, generic: bool) -> bytes:
    """sdmx1 2.28 writes ``action="ActionType.information"`` (SDMX-ML: ``Information``) and a generic data
    set under a ``StructureSpecificData`` root; both are put right here."""
    body = sdmx.to_xml(msg, pretty_print=True).replace(b'action="ActionType.information"', b'action="Information"')
    return body.replace(b"mes:StructureSpecificData", b"mes:GenericData") if generic else body


def structure_xml(dsd: v21.DataStructureDefinition, flow: v21.DataflowDefinition) -> bytes:
    header = Header(id="SDG_KZ_DSD", prepared=PREPARED, sender=common.Agency(id="KZ_STAT"), test=True)
    msg = StructureMessage(header=header)
    msg.add(dsd)
    msg.add(flow)
    return sdmx.to_xml(msg, pretty_print=True)


def csv_v2() -> bytes:
    """SDMX-CSV 2.0 by hand: sdmx1's CSV writer drops attributes and turns "5" into "5.0"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES])
    for (area, sex, urb), years in DATA.items():
        for year, (value, status) in years.items():
            dims = ["A", "N", "SI_POV_NAHC", area, sex, "_T", urb]
            row = ["dataflow", f"IAEG-SDGs:{FLOW}(1.0)", "I", *dims, year, value or "", "PT", "0", status, "N"]
            writer.writerow(row)
    return out.getvalue().encode()


def json_v1(dsd: v21.DataStructureDefinition) -> bytes:
    """SDMX-JSON 1.0: series keys and observations as indices into the value lists under ``structure``."""
    series_dims = list(DIMENSIONS)
    values: dict[str, list[str]] = {d: [] for d in series_dims}
    for key in DATA:
        for dim_id, code in zip(("REF_AREA", "SEX", "URBANISATION"), key, strict=True):
            if code not in values[dim_id]:
                values[dim_id].append(code)
    values.update({"FREQ": ["A"], "REPORTING_TYPE": ["N"], "SERIES": ["SI_POV_NAHC"], "AGE": ["_T"]})
    years = sorted({y for obs in DATA.values() for y in obs})
    statuses = ["A", "E", "C", "M"]
    series = {}
    for (area, sex, urb), obs in DATA.items():
        codes = {"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": "SI_POV_NAHC", "REF_AREA": area}
        codes.update({"SEX": sex, "AGE": "_T", "URBANISATION": urb})
        index = ":".join(str(values[d].index(codes[d])) for d in series_dims)
        series[index] = {
            "attributes": [0, 0],
            "observations": {
                str(years.index(y)): [None if v is None else json.loads(v), statuses.index(s), 0]
                for y, (v, s) in obs.items()
            },
        }
    tree = {
        "header": {"id": "SDG_KZ_SAMPLE", "test": True, "prepared": PREPARED.isoformat(), "sender": {"id": "KZ_STAT"}},
        "dataSets": [{"action": "Information", "series": series}],
        "structure": {
            "name": "SDG indicators, Kazakhstan (synthetic sample)",
            "dimensions": {
                "dataSet": [],
                "series": [_dim(d, pos, values[d]) for pos, d in enumerate(series_dims)],
                "observation": [_dim("TIME_PERIOD", len(series_dims), years)],
            },
            "attributes": {
                "dataSet": [],
                "series": [_dim("UNIT_MEASURE", None, ["PT"]), _dim("UNIT_MULT", None, ["0"])],
                "observation": [_dim("OBS_STATUS", None, statuses), _dim("NATURE", None, ["N"])],
            },
        },
    }
    return (json.dumps(tree, indent=1) + "\n").encode()


def _dim(dim_id: str, position: int | None, codes: list[str]) -> dict:
    out: dict = {"id": dim_id, "name": dim_id, "values": [{"id": c, "name": c} for c in codes]}
    if position is not None:
        out["keyPosition"] = position
    return out


def main() -> None:
    dsd, flow = structures()
    data_dir = ROOT / "data" / FLOW
    data_dir.mkdir(parents=True, exist_ok=True)
    (ROOT / "datastructure" / "IAEG-SDGs" / "SDG").mkdir(parents=True, exist_ok=True)
    (ROOT / "datastructure" / "IAEG-SDGs" / "SDG" / "1.8.xml").write_bytes(structure_xml(dsd, flow))
    (data_dir / f"{KEY}.xml").write_bytes(data_xml(message(dsd, flow, True), True))
    (data_dir / f"{KEY}.ss.xml").write_bytes(data_xml(message(dsd, flow, False), False))
    (data_dir / f"{KEY}.csv").write_bytes(csv_v2())
    (data_dir / f"{KEY}.json").write_bytes(json_v1(dsd))


if __name__ == "__main__":
    main()
