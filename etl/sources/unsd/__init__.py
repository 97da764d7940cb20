"""The UN SDG Global Database API (unstats.un.org/sdgapi): ``/v1/sdg/Series/Data``, paged."""
