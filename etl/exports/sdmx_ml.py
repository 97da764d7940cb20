"""Structure-specific SDMX-ML 2.1 data of the SDG data structure, written by sdmx1 (``sdmx.to_xml``).

sdmx1 2.28 writes structure-specific data sets from a DSD it is given; it spells the data set's action
``ActionType.information`` where SDMX-ML has ``Information``, which is put right here (as in
samples/make_sdmx_samples.py). It has no SDMX-JSON or SDMX-CSV 2.0 writer with attributes, hence sdmx_csv.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

import sdmx
from sdmx.message import DataMessage
from sdmx.model import common, v21

from etl.exports.sdmx_rows import SdmxObservation
from etl.exports.sdmx_structure import OBS_ATTRIBUTES, SERIES_ATTRIBUTES, header, structures


def to_xml(observations: list[SdmxObservation], prepared: datetime, message_id: str) -> bytes:
    dsd, flow = structures()
    dataset = v21.StructureSpecificDataSet(structured_by=dsd, described_by=flow, action=common.ActionType.information)
    attrs = {a.id: a for a in dsd.attributes}
    for _, group in groupby(observations, key=lambda o: o.series_key()):
        items = list(group)
        series_key = dsd.make_key(v21.SeriesKey, items[0].key)
        series_key.attrib.update(
            {a: v21.AttributeValue(value=items[0].attributes[a], value_for=attrs[a]) for a in SERIES_ATTRIBUTES}
        )
        dataset.add_obs([_obs(o, dsd, series_key, attrs) for o in items], series_key)
    message = DataMessage(
        header=header(message_id, prepared),
        data=[dataset],
        dataflow=flow,
        observation_dimension=dsd.dimensions.get("TIME_PERIOD"),
    )
    body = sdmx.to_xml(message, pretty_print=True)
    return body.replace(b'action="ActionType.information"', b'action="Information"')


def _obs(
    o: SdmxObservation, dsd: v21.DataStructureDefinition, series_key: v21.SeriesKey, attrs: dict
) -> v21.Observation:
    return v21.Observation(
        series_key=series_key,
        dimension=dsd.make_key(common.Key, {"TIME_PERIOD": o.time_period}),
        value=o.value,
        value_for=dsd.measures[0],
        attached_attribute={a: v21.AttributeValue(value=o.attributes[a], value_for=attrs[a]) for a in OBS_ATTRIBUTES},
    )
