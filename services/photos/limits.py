"""What a photo may be: the limits of the pipeline, set in config.toml's [photos] (read by
services.settings), kept here so the pipeline alone imports neither the settings nor a
database: a process that only decodes photos loads Pillow and this package."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PhotoLimits:
    max_file_bytes: int = 20_000_000
    max_pixels: int = 40_000_000
    display_max_side: int = 1280
