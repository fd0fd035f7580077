"""Documents: PDF reports, CSV/JSON exports, the FHIR R4 bundle and the practice archive.

The document builders (``pdf``, ``charts``, ``fhir``, ``tables``) are pure: they take a
:class:`clinic.reports.model.PatientRecord` and return bytes or dicts. ``gather`` reads
the read models into that record; ``services`` checks access and logs every download.
"""
