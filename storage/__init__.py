"""Persistence: SQLAlchemy models, engine, repositories, FSM storage and migrations."""
