"""The demo program that ``mamori serve --demo`` seeds: made here, never downloaded."""
