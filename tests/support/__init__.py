"""Helpers shared by the test suites: a real server process, a real browser."""
