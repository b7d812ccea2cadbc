"""Lanceur gardé pour ``streamlit run app.py`` : l'explorateur est dans coodiag/explorer/app.py."""
import runpy

from coodiag.explorer import components

runpy.run_path(str(components.app_path()), run_name="__main__")
