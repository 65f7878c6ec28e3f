"""The live feed: every change to a user's data, from any surface and any replica."""
