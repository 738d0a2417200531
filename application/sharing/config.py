"""LibreChat's shared-link switches (`ALLOW_SHARED_LINKS`, `ALLOW_SHARED_LINKS_PUBLIC`,
`SHARED_LINKS_SNAPSHOT_FILES`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SharingSettings:
    enabled: bool = True  # the anonymous view, its config and fork are served
    public: bool = False  # a public link opens without signing in
    snapshot_files: bool = True  # links record the files their messages carry

    @property
    def public_enabled(self) -> bool:
        return self.enabled and self.public
