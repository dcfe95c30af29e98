"""Floor 5: the web app (Streamlit). ``detente app`` serves :mod:`detente.app.main` on localhost.

The pages only lay out what :mod:`detente.app.state` (pure logic) and the report's
section renderers (:mod:`detente.report.sections`) compute, so the app's charts are
the report's figures.
"""
