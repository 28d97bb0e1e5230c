"""Applications, reviews, public notice, decisions, awards and certificates (issues 3 and 4)."""
