"""Storage: SQLAlchemy 2 async models, the engine and the migrations."""
