"""The browser dashboard (`kaname serve`): logic in :mod:`kaname.app.core`, layout in
``streamlit_app.py``."""
