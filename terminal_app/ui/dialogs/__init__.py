"""Dialogs of the terminal: API keys per profile, the profile manager, and the settings page."""
