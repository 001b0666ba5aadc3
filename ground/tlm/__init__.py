"""Reading recorded runs back: decoder, CSV export, plots."""
