"""The Streamlit script of ``detente app`` (``streamlit run`` this file)."""

from detente.app.ui import main

main()
