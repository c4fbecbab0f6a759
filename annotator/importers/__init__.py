"""Readers that turn source files into neutral records; they never touch the database."""
