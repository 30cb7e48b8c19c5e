"""Authentication: login, logout, language, users."""
