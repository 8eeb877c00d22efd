"""Appointment mails: the .ics file, the texts, and the ways to send them."""
