"""Section renderers of the report, one module per analysis.

Each module defines ``KEY``, ``TITLE``, ``ORDER`` and ``render(inputs) -> Body``
(see :mod:`detente.report.core`). Add a module here and it appears in every report.
"""
