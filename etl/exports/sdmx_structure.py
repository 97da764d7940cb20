"""The SDG data structure the SDMX exports follow: IAEG-SDGs:SDG 1.8's dimensions and attributes, as sdmx1 objects.

The dimension and attribute lists are those of the SDG DSD (the same columns as the UN's SDMX-CSV of
DF_SDG_GLH, /work/shared/reference/sdmx); code lists are not included (the export writes codes only).
The dataflow is our own, ``IAEG-SDGs:DF_SDG_KZ(1.0)``, as in the SDMX samples this project ingests.
"""

from __future__ import annotations

from datetime import datetime

import sdmx
from sdmx.message import Header, StructureMessage
from sdmx.model import common, v21

AGENCY = "IAEG-SDGs"
DSD_ID, DSD_VERSION = "SDG", "1.8"
FLOW_ID, FLOW_VERSION = "DF_SDG_KZ", "1.0"
STRUCTURE_ID = f"{AGENCY}:{FLOW_ID}({FLOW_VERSION})"
SENDER = "KZ_STAT"
#: Series dimensions in DSD order; TIME_PERIOD follows.
DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
)
#: Dimensions a cut (``sdg.observation.dims``) may set; the rest of DIMENSIONS is fixed per observation.
BREAKDOWNS = DIMENSIONS[4:]
SERIES_ATTRIBUTES = ("UNIT_MEASURE", "UNIT_MULT")
OBS_ATTRIBUTES = ("OBS_STATUS", "NATURE")
ATTRIBUTES = (*SERIES_ATTRIBUTES, *OBS_ATTRIBUTES)


def structures() -> tuple[v21.DataStructureDefinition, v21.DataflowDefinition]:
    agency = common.Agency(id=AGENCY)
    dsd = v21.DataStructureDefinition(id=DSD_ID, version=DSD_VERSION, maintainer=agency, is_external_reference=False)
    for order, dim_id in enumerate(DIMENSIONS, start=1):
        dsd.dimensions.getdefault(dim_id, order=order)
    dsd.dimensions.getdefault("TIME_PERIOD", cls=v21.TimeDimension, order=len(DIMENSIONS) + 1)
    dsd.measures.getdefault("OBS_VALUE")
    series_dims = [d for d in dsd.dimensions if d.id != "TIME_PERIOD"]
    for attr_id in ATTRIBUTES:
        related = (
            v21.DimensionRelationship(dimensions=series_dims)
            if attr_id in SERIES_ATTRIBUTES
            else v21.PrimaryMeasureRelationship()
        )
        dsd.attributes.getdefault(attr_id, usage_status=v21.UsageStatus.conditional, related_to=related)
    flow = v21.DataflowDefinition(id=FLOW_ID, version=FLOW_VERSION, maintainer=agency, structure=dsd)
    return dsd, flow


def header(message_id: str, prepared: datetime) -> Header:
    return Header(id=message_id, prepared=prepared, sender=common.Agency(id=SENDER), test=False)


def structure_xml(prepared: datetime) -> bytes:
    """The DSD and the dataflow as an SDMX-ML 2.1 structure message (what a reader of the data needs)."""
    dsd, flow = structures()
    message = StructureMessage(header=header("SDG_KZ_DSD", prepared))
    message.add(dsd)
    message.add(flow)
    return sdmx.to_xml(message, pretty_print=True)
