"""Enrollment: who may learn what, in which cohort, until when; waitlists for full cohorts."""
