"""Shared pytest fixtures (settings: estatedesk/test_settings.py)."""
