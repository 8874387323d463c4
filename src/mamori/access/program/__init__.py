"""The program's organizations, their applications for verification, tiers and suspension."""
