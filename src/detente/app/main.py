"""The Streamlit script of ``detente app`` (``streamlit run`` this file)."""

from detente.app.ui import main

if __name__ == "__main__":  # streamlit runs this file as __main__; importing it draws nothing
    main()
