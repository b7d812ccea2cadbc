"""The territorial base: communes of the COG 2025 and the levels dissolved from them."""
