"""Writes of the tenancy core: one function per use case, keyword-only arguments."""
