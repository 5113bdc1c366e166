"""Card sorting: study model, storage, import/export and analysis. Never imports Streamlit."""
