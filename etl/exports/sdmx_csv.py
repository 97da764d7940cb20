"""SDMX-CSV 2.0 of the SDG data structure, written here: sdmx1's CSV writer drops attributes and writes 5 as 5.0.

One header row ``STRUCTURE,STRUCTURE_ID,ACTION,<dimensions>,TIME_PERIOD,OBS_VALUE,<attributes>``, then one
row per observation with ``STRUCTURE=dataflow``, ``ACTION=I`` (information: the values replace what the
receiver holds for those keys), in the column order of the UN's own SDMX-CSV of the SDG data.
"""

from __future__ import annotations

import csv
import io

from etl.exports.sdmx_rows import SdmxObservation
from etl.exports.sdmx_structure import ATTRIBUTES, DIMENSIONS, STRUCTURE_ID

HEADER = ("STRUCTURE", "STRUCTURE_ID", "ACTION", *DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", *ATTRIBUTES)


def to_csv(observations: list[SdmxObservation]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for obs in observations:
        dims = [obs.key[d] for d in DIMENSIONS]
        attrs = [obs.attributes.get(a, "") for a in ATTRIBUTES]
        writer.writerow(["dataflow", STRUCTURE_ID, "I", *dims, obs.time_period, obs.value, *attrs])
    return out.getvalue().encode("utf-8")
